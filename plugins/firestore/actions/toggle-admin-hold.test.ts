import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionContext, previewContext, seededFirestore, type SeededFirestore } from "../testing";
import { toggleAdminHold } from "./toggle-admin-hold";

let fs: SeededFirestore;
beforeAll(async () => {
  fs = await seededFirestore();
});
afterAll(async () => {
  await fs?.stop();
});
const tick = () => new Promise((r) => setTimeout(r, 3));
const fix = () => toggleAdminHold(fs.client, fs.config.orders!);
const hold = async (id: string) => (await fs.client.db.doc(`orders/${id}`).get()).get("adminHold");

describe("firestore.toggle-admin-hold (firebase-admin against the emulator)", () => {
  it("flips the hold on, then off again, each after its own preview", async () => {
    const p1 = await fix().preview!({ orderId: "wx-1040", reason: "buyer reported a problem" }, previewContext());
    expect(p1.summary).toBe("adminHold false → true (buyer reported a problem) (orders/wx-1040, one document)");
    expect([p1.before, p1.after]).toMatchObject([{ adminHold: false }, { adminHold: true, adminHoldReason: "buyer reported a problem" }]);
    const r = await fix().run({ orderId: "wx-1040", reason: "buyer reported a problem", precondition: p1.precondition }, actionContext());
    expect(r.data).toMatchObject({ path: "orders/wx-1040", before: { adminHold: false }, after: { adminHold: true } });
    expect(await hold("wx-1040")).toBe(true);
    await tick();
    const p2 = await fix().preview!({ orderId: "wx-1040" }, previewContext());
    expect(p2.precondition).not.toBe(p1.precondition);
    await fix().run({ orderId: "wx-1040", precondition: p2.precondition }, actionContext());
    expect(await hold("wx-1040")).toBe(false);
  });

  it("refuses a stale preview: the second of two operators acting on one preview writes nothing", async () => {
    const p = await fix().preview!({ orderId: "wx-1041" }, previewContext());
    await tick();
    await fix().run({ orderId: "wx-1041", precondition: p.precondition }, actionContext());
    await tick();
    await expect(fix().run({ orderId: "wx-1041", precondition: p.precondition }, actionContext())).rejects.toThrow(/^orders\/wx-1041 changed since preview/);
    expect(await hold("wx-1041")).toBe(true);
  });

  it("lifts an existing hold and says which way it goes", async () => {
    const p = await fix().preview!({ orderId: "wx-1042" }, previewContext());
    expect(p.summary).toBe("adminHold true → false (orders/wx-1042, one document)");
    expect(p.before).toMatchObject({ adminHold: true, adminHoldReason: "seller identity re-verification pending" });
  });
});
