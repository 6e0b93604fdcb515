import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECTS, testStore } from "../../../tests/helpers/portal";
import type { Store } from "../db/store.server";
import {
  addEvent,
  addPreventionItem,
  declareIncident,
  getIncident,
  IncidentForbiddenError,
  IncidentInputError,
  listIncidents,
  listPreventionItems,
  markEntry,
  saveReport,
  setPreventionItemDone,
  updateIncident,
} from "./incidents.server";
import { assembleTimeline, incidentPageTimeline, nextUpdateDue, troubleStartedAt, updatesDue } from "./timeline.server";

const responder = { username: "responder", roles: ["responder"] };
const manager = { username: "manager", roles: ["manager"] };
const viewer = { username: "viewer", roles: ["viewer"] };
const T0 = Date.UTC(2026, 10, 2, 10, 0, 0);
const MIN = 60_000;

describe.each(DIALECTS)("incident store on %s", (dialect) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await testStore(dialect));
  });
  afterAll(async () => cleanup?.());

  it("declares with severity mapping, links and a declaration entry; viewers may not", async () => {
    const inc = await declareIncident(store, responder, { title: "Webhooks failing", severity: "Sev2", runbook: "/runbooks/payments/stripe.md", plugins: ["stripe"] }, { now: T0 });
    expect(inc).toMatchObject({ severity: "P2", status: "investigating", commander: "responder", declaredAt: T0, detectedAt: T0, acknowledgedAt: T0, runbooks: ["payments/stripe"], plugins: ["stripe"] });
    const tl = await assembleTimeline(store, inc);
    expect(tl.map((e) => e.kind)).toEqual(["declared"]);
    expect(tl[0].title).toContain("P2");
    await expect(declareIncident(store, viewer, { title: "nope", severity: "P1" })).rejects.toBeInstanceOf(IncidentForbiddenError);
    const bad = await declareIncident(store, responder, { title: "x", severity: "P9" }).catch((e) => e);
    expect(bad).toBeInstanceOf(IncidentInputError);
    expect(Object.keys(bad.fieldErrors).sort()).toEqual(["severity", "title"]);
  });

  it("runs the status flow, keeps notes, and only editors close or change severity", async () => {
    const inc = await declareIncident(store, responder, { title: "Cron late", severity: "P3", detectedAt: T0 - 10 * MIN, impactStartedAt: T0 - 30 * MIN }, { now: T0 });
    await addEvent(store, responder, inc.id, { type: "note", text: "looking at the cron logs" }, { now: T0 + 5 * MIN });
    await addEvent(store, responder, inc.id, { type: "status", status: "identified", text: "token expired" }, { now: T0 + 10 * MIN });
    await expect(addEvent(store, responder, inc.id, { type: "severity", severity: "P1" })).rejects.toBeInstanceOf(IncidentForbiddenError);
    await addEvent(store, manager, inc.id, { type: "severity", severity: "P1" }, { now: T0 + 11 * MIN });
    await addEvent(store, responder, inc.id, { type: "status", status: "resolved" }, { now: T0 + 40 * MIN });
    await expect(addEvent(store, responder, inc.id, { type: "status", status: "closed" })).rejects.toBeInstanceOf(IncidentForbiddenError);
    await addEvent(store, manager, inc.id, { type: "status", status: "closed" }, { now: T0 + 60 * MIN });
    const after = (await getIncident(store, inc.id))!;
    expect(after).toMatchObject({ status: "closed", severity: "P1", resolvedAt: T0 + 40 * MIN, closedAt: T0 + 60 * MIN, impactStartedAt: T0 - 30 * MIN });
    const tl = await assembleTimeline(store, after);
    expect(tl.map((e) => e.kind)).toEqual(["declared", "note", "status", "severity", "status", "status"]);
    expect(await nextUpdateDue(store, after)).toBeNull();
    expect((await listIncidents(store, { state: "open" })).some((i) => i.id === inc.id)).toBe(false);
    expect((await listIncidents(store, { state: "resolved" })).some((i) => i.id === inc.id)).toBe(true);
  });

  it("computes the next status update from the last note or status change", async () => {
    const inc = await declareIncident(store, responder, { title: "DB slow", severity: "P2" }, { now: T0 });
    expect(await nextUpdateDue(store, inc, T0 + 5 * MIN)).toEqual({ lastUpdateAt: T0, dueAt: T0 + 15 * MIN, overdue: false });
    await addEvent(store, responder, inc.id, { type: "checklist", text: "Check the signing secret", task: 0 }, { now: T0 + 14 * MIN });
    expect((await nextUpdateDue(store, inc, T0 + 16 * MIN))!.overdue).toBe(true);
    await addEvent(store, responder, inc.id, { type: "note", text: "update" }, { now: T0 + 16 * MIN });
    expect((await nextUpdateDue(store, inc, T0 + 17 * MIN))!.dueAt).toBe(T0 + 31 * MIN);
    expect((await updatesDue(store, [inc]))[inc.id]).toBe(T0 + 31 * MIN);
  });

  it("pins, hides and corrects entries of every source, keeping the original time", async () => {
    const inc = await declareIncident(store, responder, { title: "Backups stale", severity: "P3", plugins: ["backups"] }, { now: T0 });
    const { id: noteId } = await addEvent(store, responder, inc.id, { type: "note", text: "first" }, { now: T0 + 2 * MIN });
    await store.db
      .insertInto("probe_transitions")
      .values({ id: "tr1", probe_id: "backups.age", plugin_id: "backups", at: T0 + MIN, from_status: "ok", to_status: "critical", value: 30, summary: "30h since the last backup" })
      .execute();
    await expect(markEntry(store, responder, inc.id, { entry: `ev:${noteId}`, pinned: true })).rejects.toBeInstanceOf(IncidentForbiddenError);
    await markEntry(store, manager, inc.id, { entry: `ev:${noteId}`, correctedAt: new Date(T0 - 5 * MIN).toISOString(), pinned: true });
    await markEntry(store, manager, inc.id, { entry: "probe:tr1", hidden: true });
    let tl = await assembleTimeline(store, inc, { includeHidden: true });
    expect(tl.map((e) => e.key)).toEqual([`ev:${noteId}`, expect.stringMatching(/^ev:/), "probe:tr1"]);
    expect(tl[0]).toMatchObject({ at: T0 - 5 * MIN, originalAt: T0 + 2 * MIN, corrected: true, pinned: true });
    expect(tl[2]).toMatchObject({ hidden: true, title: "backups.age: ok → critical (30)" });
    expect((await assembleTimeline(store, inc)).map((e) => e.key)).not.toContain("probe:tr1");
    await markEntry(store, manager, inc.id, { entry: `ev:${noteId}`, correctedAt: null });
    tl = await assembleTimeline(store, inc, { includeHidden: true });
    expect(tl.find((e) => e.key === `ev:${noteId}`)).toMatchObject({ at: T0 + 2 * MIN, corrected: false });
    await expect(markEntry(store, manager, inc.id, { entry: "ev:nope", pinned: true })).rejects.toBeInstanceOf(IncidentInputError);
  });

  it("edits fields, report and prevention items (editors only)", async () => {
    const inc = await declareIncident(store, responder, { title: "Paddle webhooks", severity: "P2" }, { now: T0 });
    await expect(updateIncident(store, responder, inc.id, { title: "x y z" })).rejects.toBeInstanceOf(IncidentForbiddenError);
    const up = await updateIncident(store, manager, inc.id, { title: "Paddle webhooks rejected", severity: "P1", impactStartedAt: T0 - 60 * MIN, plugins: ["paddle"], runbooks: "payments/paddle" }, { now: T0 + MIN });
    expect(up).toMatchObject({ title: "Paddle webhooks rejected", severity: "P1", impactStartedAt: T0 - 60 * MIN, plugins: ["paddle"], runbooks: ["payments/paddle"] });
    const tl = await assembleTimeline(store, up);
    expect(tl.map((e) => e.kind)).toEqual(["declared", "severity", "edit"]);
    await saveReport(store, manager, inc.id, { rootCause: "Secret rotated without updating the portal", usersAffected: "" });
    expect((await getIncident(store, inc.id))!.report).toEqual({ rootCause: "Secret rotated without updating the portal" });
    const item = await addPreventionItem(store, manager, inc.id, { description: "Alert on signature failures", owner: "payments", dueAt: "2026-11-20" });
    expect(item.dueAt).toBe(Date.UTC(2026, 10, 20));
    await setPreventionItemDone(store, manager, inc.id, item.id, true, { now: T0 });
    expect((await listPreventionItems(store, inc.id))[0].doneAt).toBe(T0);
    await expect(addPreventionItem(store, manager, inc.id, { description: "", owner: "" })).rejects.toBeInstanceOf(IncidentInputError);
  });

  it("finds when the trouble on linked plugins started", async () => {
    const at = T0 + 1000 * MIN;
    await store.db
      .insertInto("probe_transitions")
      .values([
        { id: "s1", probe_id: "cron.autorelease", plugin_id: "cron", at: at - 50 * MIN, from_status: "ok", to_status: "warn", value: 1, summary: "late" },
        { id: "s2", probe_id: "cron.autorelease", plugin_id: "cron", at: at - 40 * MIN, from_status: "warn", to_status: "critical", value: 2, summary: "down" },
        { id: "s3", probe_id: "cron.revenue", plugin_id: "cron", at: at - 45 * MIN, from_status: "ok", to_status: "critical", value: 1, summary: "down" },
        { id: "s4", probe_id: "cron.revenue", plugin_id: "cron", at: at - 30 * MIN, from_status: "critical", to_status: "ok", value: 0, summary: "fine" },
      ])
      .execute();
    expect(await troubleStartedAt(store, ["cron"], at)).toBe(at - 50 * MIN);
    expect(await troubleStartedAt(store, ["stripe"], at)).toBeNull();
  });

  it("pages a long timeline: first 100 and latest 200 entries, pinned ones, the same order as the full one", async () => {
    const inc = await declareIncident(store, responder, { title: "Long one", severity: "P2", plugins: ["stripe"] }, { now: T0 });
    await store.db
      .insertInto("incident_events")
      .values(Array.from({ length: 250 }, (_, i) => ({ id: `ev_long_${String(i).padStart(4, "0")}`, incident_id: inc.id, type: "note", at: T0 + (2 * i + 1) * 1000, corrected_at: null, actor: "responder", text: `note ${i}`, data: "{}", pinned: 0, hidden: i === 7 ? 1 : 0 })))
      .execute();
    await store.db
      .insertInto("probe_transitions")
      .values(Array.from({ length: 150 }, (_, i) => ({ id: `pt_long_${i}`, probe_id: "stripe.backlog", plugin_id: "stripe", at: T0 + (2 * i + 2) * 1000, from_status: i % 2 ? "critical" : "ok", to_status: i % 2 ? "ok" : "critical", value: i, summary: `${i} events` })))
      .execute();
    await markEntry(store, manager, inc.id, { entry: "probe:pt_long_120", pinned: true });
    await markEntry(store, manager, inc.id, { entry: "ev:ev_long_0010", correctedAt: T0 + 900_000 });
    const full = await assembleTimeline(store, (await getIncident(store, inc.id))!, { includeHidden: true, now: T0 + 3_600_000 });
    expect(full).toHaveLength(401);
    const page = await incidentPageTimeline(store, (await getIncident(store, inc.id))!, { now: T0 + 3_600_000 });
    expect(page.total).toBe(401);
    expect(page.hiddenCount).toBe(1);
    expect(page.gap).toEqual({ after: 100, count: 101 });
    expect(page.entries.map((e) => e.key)).toEqual([...full.slice(0, 100), ...full.slice(-200)].map((e) => e.key));
    expect(page.pinned.map((e) => e.key)).toEqual(["probe:pt_long_120"]);
    const all = await incidentPageTimeline(store, (await getIncident(store, inc.id))!, { now: T0 + 3_600_000, showAll: true });
    expect(all.entries).toHaveLength(401);
    expect(all.gap).toBeNull();
  });
});
