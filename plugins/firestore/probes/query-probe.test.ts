import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryProbeSchema } from "../config";
import { probeContext, seededFirestore, type SeededFirestore } from "../testing";
import { SEEDED } from "../sandbox";
import { queryProbe } from "./query-probe";

let fs: SeededFirestore;
beforeAll(async () => {
  fs = await seededFirestore();
});
afterAll(async () => {
  await fs?.stop();
});

const configured = (name: string) => queryProbe(name, fs.config.queries[name], fs.client, fs.config.projectId);
const adHoc = (raw: unknown) => queryProbe("ad-hoc", QueryProbeSchema.parse(raw), fs.client, fs.config.projectId);

describe("firestore query probes (firebase-admin against the emulator)", () => {
  it("counts paid orders the webhook never processed for more than 10 minutes", async () => {
    const p = configured("stuck-paid-orders");
    expect(p.thresholds).toEqual({ warn: "> 0", critical: "> 2" });
    const r = await p.read(probeContext(fs.now));
    expect(r.value).toBe(3);
    expect(r.rows!.map((row) => row.id).sort()).toEqual(SEEDED.stuckPaid);
    expect(r.rows![0]).toHaveProperty("paidAt");
    expect(r.summary).toMatch(/^3 in orders where status == "paid", paidAt older than 10m, webhook.processedAt missing$/);
  });

  it("measures the newest Stripe event's age in minutes", async () => {
    const r = await configured("stripe-events-newest").read(probeContext(fs.now));
    expect(r.value).toBe(190);
    expect(r.rows![0].id).toBe("evt_demo_acct_update");
    expect(r.summary).toMatch(/newest createdAt in stripeEvents is 3.2 h old/);
  });

  it("counts held orders, open disputes and protected orders overdue for release", async () => {
    const held = await configured("held-orders").read(probeContext(fs.now));
    expect([held.value, held.rows!.map((r) => r.id)]).toEqual([1, [SEEDED.onHold]]);
    const disputes = await configured("open-disputes").read(probeContext(fs.now));
    expect([disputes.value, disputes.rows!.map((r) => r.id)]).toEqual([1, [SEEDED.disputed]]);
    const overdue = await configured("release-overdue").read(probeContext(fs.now));
    expect(overdue.value).toBe(2);
    expect(overdue.rows!.map((r) => r.id).sort()).toEqual(SEEDED.releaseOverdue);
    const agg = await configured("revenue-aggregate-age").read(probeContext(fs.now));
    expect(agg.value).toBe(26 * 60);
  });

  it("reads 0 for a collection that does not exist, not an error", async () => {
    const count = await adHoc({ collection: "noSuchCollection", filters: [["status", "==", "paid"]] }).read(probeContext(fs.now));
    expect(count).toMatchObject({ value: 0, rows: [] });
    const local = await adHoc({ collection: "noSuchCollection", filters: [["x", "missing"]] }).read(probeContext(fs.now));
    expect(local.value).toBe(0);
    const newest = await adHoc({ collection: "noSuchCollection", measure: "newest-age", field: "createdAt", whenEmpty: "critical" }).read(probeContext(fs.now));
    expect(newest).toMatchObject({ value: null, status: "critical", summary: "no document in noSuchCollection has createdAt" });
  });

  it("says when the scan limit cut a client-side count short", async () => {
    const r = await adHoc({ collection: "orders", filters: [["disputeStatus", "missing"]], scanLimit: 5 }).read(probeContext(fs.now));
    expect(r.value).toBe(5);
    expect(r.summary).toMatch(/^at least 5 in orders .*\(first 5 scanned\)$/);
  });

  it("gives up when aborted", async () => {
    const ac = new AbortController();
    ac.abort(new Error("probe timed out"));
    await expect(configured("held-orders").read({ ...probeContext(fs.now), signal: ac.signal })).rejects.toThrow("probe timed out");
  });
});
