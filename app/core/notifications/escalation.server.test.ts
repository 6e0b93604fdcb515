import { afterEach, describe, expect, it } from "vitest";
import { migrate, openStore, type Store } from "../db/store.server";
import { addEvent, declareIncident } from "../incidents/incidents.server";
import { NotificationsConfigSchema, OncallConfigSchema } from "./config";
import { acknowledgeEscalation, escalationTick } from "./escalation.server";
import { nextHandoff, onCallAt, oncallNow } from "./oncall.server";
import { parseEvent, planDeliveries } from "./outbox.server";

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
async function store() {
  const s = await openStore(":memory:");
  await migrate(s);
  stores.push(s);
  return s;
}

// The issue's config, with seed 004's three levels.
const oncall = OncallConfigSchema.parse({
  rotations: { primary: { members: ["amy", "ben"], handoff: { weekday: "monday", time: "09:00" }, timezone: "Europe/Berlin" } },
  escalation: { default: [{ rotation: "primary", after: "0m" }, { users: ["lead-admin"], after: "15m" }, { users: ["eng-lead"], after: "30m" }] },
  people: { amy: { email: "amy@example.test" }, ben: { email: "ben@example.test" }, "lead-admin": { email: "lead@example.test" }, "eng-lead": { email: "eng@example.test" } },
});
const MIN = 60_000;
const ALERTS = { username: "system:alerts", roles: ["responder"] };

async function escalationEvents(s: Store, subject: string) {
  const rows = await s.db.selectFrom("notification_events").selectAll().where("subject", "=", subject).where("kind", "=", "escalation").orderBy("id").execute();
  return rows.map(parseEvent);
}

describe("escalation (fake clock)", () => {
  it("climbs three levels of an unacknowledged P1 at their delays, then stops", async () => {
    const s = await store();
    // Wednesday 2026-12-02 10:00 Berlin: amy's week (weeks from Monday 2024-01-01 09:00, amy first).
    const t0 = Date.parse("2026-12-02T09:00:00Z");
    const inc = await declareIncident(s, ALERTS, { title: "Checkout 5xx above 5%", severity: "P1" }, { now: t0, unacknowledged: true });
    expect(await escalationTick(s, oncall, t0, "i1")).toBe(1);
    expect(await escalationTick(s, oncall, t0 + 14 * MIN, "i1")).toBe(0);
    expect(await escalationTick(s, oncall, t0 + 15 * MIN, "i1")).toBe(1);
    expect(await escalationTick(s, oncall, t0 + 29 * MIN, "i1")).toBe(0);
    expect(await escalationTick(s, oncall, t0 + 30 * MIN, "i1")).toBe(1);
    expect(await escalationTick(s, oncall, t0 + 90 * MIN, "i1")).toBe(0);
    const events = await escalationEvents(s, inc.id);
    const who = onCallAt(oncall, [], "primary", t0);
    expect(events.map((e) => e.payload.recipients)).toEqual([[who], ["lead-admin"], ["eng-lead"]]);
    expect(events[1]!.payload.title).toBe("Not acknowledged — escalated to level 2: Checkout 5xx above 5%");
    expect(events.map((e) => e.at)).toEqual([t0, t0 + 15 * MIN, t0 + 30 * MIN]);
    // Each level goes to its people through the channels that reach a person.
    const notifications = NotificationsConfigSchema.parse({ channels: { mail: { kind: "email", smtp: { host: "smtp.example" }, from: "ops@example.test" } } });
    expect(planDeliveries(events[2]!, notifications, () => null)).toEqual([{ channel: "mail", recipient: "eng-lead" }]);
  });

  it("stops when the incident is taken (a commander) or acknowledged", async () => {
    const s = await store();
    const t0 = Date.parse("2026-12-02T09:00:00Z");
    const taken = await declareIncident(s, ALERTS, { title: "Orders missing in Firestore", severity: "P1" }, { now: t0, unacknowledged: true });
    const acked = await declareIncident(s, ALERTS, { title: "Webhooks failing", severity: "P1" }, { now: t0, unacknowledged: true });
    await escalationTick(s, oncall, t0, "i1");
    await addEvent(s, { username: "amy", roles: ["responder"] }, taken.id, { type: "commander", commander: "amy" }, { now: t0 + 5 * MIN });
    expect(await acknowledgeEscalation(s.db, acked.id, "ben", t0 + 6 * MIN)).toBe(true);
    expect(await escalationTick(s, oncall, t0 + 15 * MIN, "i1")).toBe(0);
    expect(await escalationTick(s, oncall, t0 + 30 * MIN, "i1")).toBe(0);
    expect(await escalationEvents(s, taken.id)).toHaveLength(1);
    expect(await escalationEvents(s, acked.id)).toHaveLength(1);
    const rows = await s.db.selectFrom("escalations").select(["subject", "acknowledged_by"]).orderBy("subject").execute();
    expect(Object.fromEntries(rows.map((r) => [r.subject, r.acknowledged_by]))).toEqual({ [taken.id]: "amy", [acked.id]: "ben" });
  });

  it("notifies a level once across two instances ticking at the same moment", async () => {
    const s = await store();
    const t0 = Date.parse("2026-12-02T09:00:00Z");
    const inc = await declareIncident(s, ALERTS, { title: "Cron nightly down", severity: "P1" }, { now: t0, unacknowledged: true });
    const [a, b] = await Promise.all([escalationTick(s, oncall, t0, "i1"), escalationTick(s, oncall, t0, "i2")]);
    expect(a + b).toBe(1);
    expect(await escalationEvents(s, inc.id)).toHaveLength(1);
  });
});

describe("on-call rotations", () => {
  it("hands off on Monday 09:00 Berlin time, across a DST-free week and an override", async () => {
    const before = Date.parse("2026-12-07T07:59:00Z"); // Monday 08:59 Berlin (UTC+1)
    const after = Date.parse("2026-12-07T08:00:00Z"); // Monday 09:00 Berlin
    const a = onCallAt(oncall, [], "primary", before);
    const b = onCallAt(oncall, [], "primary", after);
    expect(new Set([a, b])).toEqual(new Set(["amy", "ben"]));
    expect(nextHandoff(oncall, [], "primary", before)).toEqual({ user: b, at: "2026-12-07T08:00:00.000Z" });
    const override = { id: "o1", rotation: "primary", username: "lead-admin", startsAt: after, endsAt: after + 3600_000, createdBy: "admin" };
    expect(onCallAt(oncall, [override], "primary", after + 60_000)).toBe("lead-admin");
    expect(onCallAt(oncall, [override], "primary", after + 3600_000)).toBe(b);
    expect(nextHandoff(oncall, [override], "primary", before)).toEqual({ user: "lead-admin", at: "2026-12-07T08:00:00.000Z" });
  });

  it("follows summer time: the handoff stays at 09:00 local", async () => {
    const summer = Date.parse("2026-07-06T06:59:00Z"); // Monday 08:59 Berlin (UTC+2)
    const next = nextHandoff(oncall, [], "primary", summer);
    expect(next?.at).toBe("2026-07-06T07:00:00.000Z");
  });

  it("a layer takes the hours it names", () => {
    const withLayer = OncallConfigSchema.parse({
      rotations: { primary: { members: ["amy"], timezone: "UTC", layers: [{ members: ["night-owl"], weekdays: ["saturday", "sunday"], from: "00:00", to: "24:00" }] } },
    });
    expect(onCallAt(withLayer, [], "primary", Date.parse("2026-12-05T12:00:00Z"))).toBe("night-owl"); // Saturday
    expect(onCallAt(withLayer, [], "primary", Date.parse("2026-12-07T12:00:00Z"))).toBe("amy"); // Monday
  });

  it("GET /api/oncall's shape: name, now, next { user, at }", async () => {
    const s = await store();
    const views = await oncallNow(s, oncall, Date.parse("2026-12-02T09:00:00Z"));
    expect(views).toEqual([{ name: "primary", now: expect.any(String), next: { user: expect.any(String), at: "2026-12-07T08:00:00.000Z" } }]);
  });
});

describe("status-update reminders", () => {
  it("remind the commander once per cadence of the severity, counted from the last update", async () => {
    const { remindCommanders } = await import("./reminders.server");
    const s = await store();
    const notifications = NotificationsConfigSchema.parse({});
    expect(notifications.reminders).toEqual({ P1: 15, P2: 30 });
    const t0 = Date.parse("2026-12-02T09:00:00Z");
    const p1 = await declareIncident(s, { username: "amy", roles: ["responder"] }, { title: "Checkout is down", severity: "P1" }, { now: t0 });
    await declareIncident(s, { username: "ben", roles: ["responder"] }, { title: "Slow search", severity: "P2" }, { now: t0 });
    expect(await remindCommanders(s, notifications, t0 + 14 * MIN, "i1")).toBe(0);
    expect(await remindCommanders(s, notifications, t0 + 15 * MIN, "i1")).toBe(1);
    expect(await remindCommanders(s, notifications, t0 + 16 * MIN, "i2")).toBe(0); // the same reminder, another instance
    await addEvent(s, { username: "amy", roles: ["responder"] }, p1.id, { type: "note", text: "Stripe answers again, watching." }, { now: t0 + 20 * MIN });
    expect(await remindCommanders(s, notifications, t0 + 30 * MIN, "i1")).toBe(1); // P2 at 30 min; P1 next at 35
    expect(await remindCommanders(s, notifications, t0 + 35 * MIN, "i1")).toBe(1);
    const rows = await s.db.selectFrom("notification_events").selectAll().where("kind", "=", "incident.reminder").orderBy("id").execute();
    expect(rows.map((r) => parseEvent(r)).map((e) => [e.payload.recipients, e.at])).toEqual([
      [["amy"], t0 + 15 * MIN],
      [["ben"], t0 + 30 * MIN],
      [["amy"], t0 + 35 * MIN],
    ]);
  });
});
