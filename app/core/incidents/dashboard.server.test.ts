import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECTS, testStore } from "../../../tests/helpers/portal";
import { appendAuditBatch, type AuditInput } from "../audit/chain.server";
import type { Store } from "../db/store.server";
import { dashboardFigures, weekStart } from "./dashboard.server";
import { addEvent, addPreventionItem, declareIncident, setPreventionItemDone } from "./incidents.server";

const responder = { username: "responder", roles: ["responder"] };
const manager = { username: "manager", roles: ["manager"] };
const at = (iso: string) => Date.parse(`${iso}Z`);
const NOW = at("2026-11-25T12:00"); // a Wednesday

/** One incident: declared, detected, optionally resolved, with its runbooks. */
async function seed(store: Store, s: { title: string; severity: string; declared: string; detected: string; resolved?: string; runbooks: string[] }) {
  const inc = await declareIncident(store, responder, { title: s.title, severity: s.severity, runbooks: s.runbooks, detectedAt: at(s.detected) }, { now: at(s.declared) });
  if (s.resolved) await addEvent(store, responder, inc.id, { type: "status", status: "resolved" }, { now: at(s.resolved) });
  return inc.id;
}

describe("weekStart", () => {
  it("is Monday 00:00 on the zone's wall clock, across a daylight-saving change", () => {
    expect(weekStart(NOW)).toBe(at("2026-11-23T00:00"));
    // New York leaves daylight saving on Sunday 1 November 2026: that week began at 00:00 EDT, the next at 00:00 EST.
    expect(weekStart(at("2026-11-02T03:00"), "America/New_York")).toBe(at("2026-10-26T04:00"));
    expect(weekStart(at("2026-11-02T06:00"), "America/New_York")).toBe(at("2026-11-02T05:00"));
    expect(weekStart(at("2026-11-22T16:00"), "Asia/Tokyo")).toBe(at("2026-11-22T15:00"));
  });
});

describe.each(DIALECTS)("dashboard figures on %s", (dialect) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ store, cleanup } = await testStore(dialect));
    ids.A = await seed(store, { title: "Inc A", severity: "P1", declared: "2026-11-03T10:00", detected: "2026-11-03T09:50", resolved: "2026-11-03T11:30", runbooks: ["payments/stripe"] });
    ids.B = await seed(store, { title: "Inc B", severity: "Sev1", declared: "2026-11-11T08:00", detected: "2026-11-11T07:40", resolved: "2026-11-11T09:40", runbooks: ["payments/stripe", "ops/cron"] });
    ids.C = await seed(store, { title: "Inc C", severity: "P2", declared: "2026-11-12T14:00", detected: "2026-11-12T14:00", resolved: "2026-11-12T14:45", runbooks: ["ops/cron"] });
    ids.D = await seed(store, { title: "Inc D", severity: "P3", declared: "2026-11-23T09:00", detected: "2026-11-23T08:30", runbooks: ["payments/stripe"] });
    ids.E = await seed(store, { title: "E (before the range)", severity: "P2", declared: "2026-10-20T10:00", detected: "2026-10-20T09:00", resolved: "2026-10-20T12:00", runbooks: ["ops/cron"] });
    ids.F = await seed(store, { title: "Inc F", severity: "P4", declared: "2026-11-24T10:00", detected: "2026-11-24T10:00", resolved: "2026-11-25T10:00", runbooks: [] });

    const entry = (incident: string, runId: string, outcome: AuditInput["outcome"]): AuditInput => ({
      actor: "admin", roles: ["admin"], action: "stripe.resend-event", target: "evt_1", outcome, incidentId: incident, runId, details: {},
    });
    await appendAuditBatch(store, [
      entry(ids.A, "run_a1", "started"), entry(ids.A, "run_a1", "succeeded"),
      entry(ids.A, "run_a2", "started"), entry(ids.A, "run_a2", "failed"),
      entry(ids.A, "run_a3", "started"),
      entry(ids.B, "run_b1", "requested"), entry(ids.B, "run_b1", "approved"), entry(ids.B, "run_b1", "started"),
      entry(ids.E, "run_e1", "started"),
    ], (i) => NOW - 1000 * (20 - i));

    const overdue = await addPreventionItem(store, manager, ids.A, { description: "Alert on webhook backlog", owner: "payments", dueAt: "2026-11-20" });
    await addPreventionItem(store, manager, ids.A, { description: "Document the replay procedure", owner: "ops", dueAt: "2026-11-30" });
    const done = await addPreventionItem(store, manager, ids.C, { description: "Rotate cron secret", owner: "ops", dueAt: "2026-11-10" });
    await setPreventionItemDone(store, manager, ids.C, done.id, true);
    const older = await addPreventionItem(store, manager, ids.E, { description: "Add a second webhook endpoint", owner: "payments", dueAt: "2026-11-01" });
    ids.overdue = overdue.id;
    ids.older = older.id;
  });
  afterAll(async () => cleanup?.());

  it("matches the figures computed by hand", async () => {
    const f = await dashboardFigures(store, { now: NOW, weeks: 4 });
    expect(weekStart(NOW)).toBe(at("2026-11-23T00:00"));
    expect(f.range.from).toBe(at("2026-11-02T00:00"));
    expect(f.perWeek).toEqual([
      { week: "2026-11-02", total: 1, P1: 1, P2: 0, P3: 0, P4: 0 },
      { week: "2026-11-09", total: 2, P1: 1, P2: 1, P3: 0, P4: 0 },
      { week: "2026-11-16", total: 0, P1: 0, P2: 0, P3: 0, P4: 0 },
      { week: "2026-11-23", total: 2, P1: 0, P2: 0, P3: 1, P4: 1 },
    ]);
    // MTTA = declared (commander took it) − detected: P1 (10 + 20) / 2, P2 0, P3 30, P4 0.
    expect(f.mtta).toEqual([
      { severity: "P1", incidents: 2, minutes: 15 },
      { severity: "P2", incidents: 1, minutes: 0 },
      { severity: "P3", incidents: 1, minutes: 30 },
      { severity: "P4", incidents: 1, minutes: 0 },
    ]);
    // MTTR = resolved − detected: P1 (100 + 120) / 2, P2 45, P3 unresolved, P4 one day.
    expect(f.mttr).toEqual([
      { severity: "P1", incidents: 2, minutes: 110 },
      { severity: "P2", incidents: 1, minutes: 45 },
      { severity: "P3", incidents: 0, minutes: null },
      { severity: "P4", incidents: 1, minutes: 1440 },
    ]);
    // The weekly trend: A (10, 100); B and C (20 and 0, 120 and 45); none; D and F (30 and 0, F's day).
    expect(f.meanTimesPerWeek).toEqual([
      { week: "2026-11-02", start: at("2026-11-02T00:00"), mtta: 10, mttr: 100, acknowledged: 1, resolved: 1 },
      { week: "2026-11-09", start: at("2026-11-09T00:00"), mtta: 10, mttr: 82.5, acknowledged: 2, resolved: 2 },
      { week: "2026-11-16", start: at("2026-11-16T00:00"), mtta: null, mttr: null, acknowledged: 0, resolved: 0 },
      { week: "2026-11-23", start: at("2026-11-23T00:00"), mtta: 15, mttr: 1440, acknowledged: 2, resolved: 1 },
    ]);
    expect(f.actionsPerIncident.map((a) => [a.title, a.actions])).toEqual([["Inc A", 3], ["Inc B", 1], ["Inc C", 0], ["Inc D", 0], ["Inc F", 0]]);
    expect(f.averageActionsPerIncident).toBe(0.8);
    expect(f.topRunbooks).toEqual([
      { runbook: "payments/stripe", incidents: 3 },
      { runbook: "ops/cron", incidents: 2 },
    ]);
    expect(f.overduePrevention.map((p) => [p.id, p.incidentTitle, p.daysOverdue])).toEqual([
      [ids.older, "E (before the range)", 24],
      [ids.overdue, "Inc A", 5],
    ]);
  });

  it("counts weeks in the reader's zone: Inc D, declared Monday 09:00 UTC, is Sunday in Honolulu", async () => {
    const f = await dashboardFigures(store, { now: NOW, weeks: 4, timeZone: "Pacific/Honolulu" });
    expect(f.range).toMatchObject({ from: at("2026-11-02T10:00"), timeZone: "Pacific/Honolulu" });
    expect(f.perWeek.map((w) => [w.week, w.total, w.P3])).toEqual([
      ["2026-11-02", 1, 0],
      ["2026-11-09", 2, 0],
      ["2026-11-16", 1, 1],
      ["2026-11-23", 1, 0],
    ]);
    expect(f.meanTimesPerWeek.map((w) => w.start)).toEqual(["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"].map((d) => at(`${d}T10:00`)));
  });
});
