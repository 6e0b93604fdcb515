import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECTS, testStore } from "../../../tests/helpers/portal";
import type { Store } from "../db/store.server";
import { addEvent, addPreventionItem, declareIncident, getIncident, markEntry, saveReport } from "./incidents.server";
import { loadReport, reportMarkdown } from "./report.server";

const responder = { username: "responder", roles: ["responder"] };
const manager = { username: "manager", roles: ["manager"] };
const T0 = Date.UTC(2026, 10, 10, 9, 0, 0);
const MIN = 60_000;
const SECRET = "sk_test_51SecretValueNeverInReports";

describe.each(DIALECTS)("postmortem report on %s", (dialect) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await testStore(dialect));
  });
  afterAll(async () => cleanup?.());

  it("prefills from the incident, keeps edits, leaves hidden entries out and scrubs configured secrets", async () => {
    const inc = await declareIncident(store, responder, { title: "Refunds stuck", severity: "P2", plugins: ["stripe"], detectedAt: T0 - 10 * MIN, impactStartedAt: T0 - 40 * MIN }, { now: T0 });
    const { id: noise } = await addEvent(store, responder, inc.id, { type: "note", text: "wrong tab, ignore" }, { now: T0 + MIN });
    const { id: key } = await addEvent(store, responder, inc.id, { type: "note", text: `tried key ${SECRET} by mistake` }, { now: T0 + 2 * MIN });
    await addEvent(store, responder, inc.id, { type: "status", status: "identified", text: "Webhook signing secret rotated upstream" }, { now: T0 + 5 * MIN });
    await addEvent(store, responder, inc.id, { type: "status", status: "resolved", text: "Secret updated, events replayed" }, { now: T0 + 50 * MIN });
    await markEntry(store, manager, inc.id, { entry: `ev:${noise}`, hidden: true });
    await markEntry(store, manager, inc.id, { entry: `ev:${key}`, pinned: true, correctedAt: T0 - 20 * MIN });
    await saveReport(store, manager, inc.id, { usersAffected: "~120 buyers", revenueImpact: "£2,400 delayed", lessonsLearned: "Alert on signature failures" });
    await addPreventionItem(store, manager, inc.id, { description: "Monitor webhook signature failures", owner: "payments", dueAt: "2026-11-20" });

    const report = await loadReport(store, (await getIncident(store, inc.id))!, { secrets: [SECRET], pluginTitles: { stripe: "Stripe" } });
    expect(report.fields).toMatchObject({
      usersAffected: "~120 buyers",
      revenueImpact: "£2,400 delayed",
      servicesAffected: "Stripe",
      rootCause: "Webhook signing secret rotated upstream",
      lessonsLearned: "Alert on signature failures",
    });
    expect(report.fields.summary).toContain("lasting 1h 30m");
    expect(report.fields.resolution).toContain("Secret updated, events replayed");
    expect(report.prefilled).toEqual(expect.arrayContaining(["summary", "servicesAffected", "rootCause", "resolution"]));

    const md = reportMarkdown(report, [SECRET]);
    expect(md).not.toContain(SECRET);
    expect(md).not.toContain("wrong tab");
    expect(md).toContain("[redacted]");
    expect(md).toContain("_All times in UTC._");
    expect(md).toMatch(/\*\*Date\*\*: \d{4}-\d{2}-\d{2} \(UTC\)/);
    expect(md).toContain("**Severity**: P2 (High, response: 30 minutes)");
    expect(md).toContain("**Duration**: 1h 30m (2026-11-10 08:20 UTC - 2026-11-10 09:50 UTC)");
    expect(md).toContain("- **2026-11-10 08:40 UTC** - 📌 Note (responder) — tried key [redacted] by mistake _(corrected; recorded 2026-11-10 09:02 UTC)_");
    expect(md).toContain("- [ ] Monitor webhook signature failures - Owner: payments - Due: 2026-11-20");
    const order = ["## Summary", "## Impact", "## Timeline", "## Root Cause", "## Resolution", "## Prevention", "## Lessons Learned"].map((h) => md.indexOf(h));
    expect(order.every((v, i) => v > 0 && (i === 0 || v > order[i - 1]))).toBe(true);
  });
});
