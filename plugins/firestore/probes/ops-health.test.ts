import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Timestamp } from "../client.server";
import { OpsHealthSchema } from "../config";
import { probeContext, seededFirestore, type SeededFirestore } from "../testing";
import { opsHealthProbe } from "./ops-health";

let fs: SeededFirestore;
beforeAll(async () => {
  fs = await seededFirestore();
});
afterAll(async () => {
  await fs?.stop();
});

const configured = (name: string) => opsHealthProbe(name, fs.config.opsHealth[name], fs.client, fs.config.projectId);
const adHoc = (raw: unknown) => opsHealthProbe("job", OpsHealthSchema.parse(raw), fs.client, fs.config.projectId);

describe("firestore ops-health probes (firebase-admin against the emulator)", () => {
  it("calls opsHealth/autoReleaseProtected stale: last run 6 h ago, runs every 10 min", async () => {
    const r = await configured("autorelease-health").read(probeContext(fs.now));
    expect(r.status).toBe("critical");
    expect(r.value).toBe(380);
    expect(r.summary).toBe("stale: last run 6.3 h ago (runs every 10m, 5m grace) · scanned 14, released 3, errors 0");
    expect(r.rows![0]).toMatchObject({ document: "opsHealth/autoReleaseProtected", scannedCount: 14, releasedCount: 3, errorsCount: 0, lastError: null });
  });

  it("goes critical on errors even when the job ran recently", async () => {
    const r = await configured("revenue-aggregation-health").read(probeContext(fs.now));
    expect(r.status).toBe("critical");
    expect(r.value).toBe(38);
    expect(r.summary).toMatch(/^last run 38 min ago · scanned 0, errors 2 · last error: 9 FAILED_PRECONDITION: The query requires an index/);
  });

  it("reads a job's own field names (stripeWebhook reports lastWebhookAt)", async () => {
    const r = await configured("stripe-webhook-health").read(probeContext(fs.now));
    expect(r.status).toBe("critical");
    expect(r.summary).toMatch(/^stale: last run 3.2 h ago .* · scanned 212, errors 9 · last error: No signatures found/);
  });

  it("is ok when fresh, warn when late within grace, and says so when the document is missing", async () => {
    const doc = fs.client.db.doc("opsHealth/testJob");
    await doc.set({ lastRunAt: Timestamp.fromMillis(fs.now.getTime() - 4 * 60_000), scannedCount: 10, releasedCount: 2, errorsCount: 0 });
    const p = adHoc({ document: "opsHealth/testJob", interval: "10m", grace: "5m" });
    expect(await p.read(probeContext(fs.now))).toMatchObject({ status: "ok", value: 4, summary: "last run 4 min ago · scanned 10, released 2, errors 0" });
    await doc.update({ lastRunAt: Timestamp.fromMillis(fs.now.getTime() - 12 * 60_000) });
    expect(await p.read(probeContext(fs.now))).toMatchObject({ status: "warn", value: 12 });
    const stale = adHoc({ document: "opsHealth/testJob", interval: "10m", grace: "1m", staleStatus: "warn" });
    expect(await stale.read(probeContext(fs.now))).toMatchObject({ status: "warn", summary: expect.stringMatching(/^stale:/) });
    const missing = await adHoc({ document: "opsHealth/neverRan", interval: "1h" }).read(probeContext(fs.now));
    expect(missing).toMatchObject({ status: "critical", value: null, summary: "opsHealth/neverRan does not exist: neverRan has never reported" });
  });
});
