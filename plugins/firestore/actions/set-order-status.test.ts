import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionContext, previewContext, seededFirestore, type SeededFirestore } from "../testing";
import { setOrderStatus } from "./set-order-status";

let fs: SeededFirestore;
beforeAll(async () => {
  fs = await seededFirestore();
});
afterAll(async () => {
  await fs?.stop();
});
const tick = () => new Promise((r) => setTimeout(r, 3));
const fix = () => setOrderStatus(fs.client, fs.config.orders!);

describe("firestore.set-order-status (firebase-admin against the emulator)", () => {
  it("is a high-risk single-document fix targeting the order's path, with validated input", () => {
    const a = fix();
    expect([a.id, a.risk, a.target!({ orderId: "wx-1046", status: "cancelled" })]).toEqual(["set-order-status", "high", "orders/wx-1046"]);
    expect(a.input.safeParse({ orderId: "wx-1046", status: "completed" }).success).toBe(false);
    expect(a.input.safeParse({ orderId: "wx-1046", status: "shipped" }).success).toBe(false);
    expect(a.input.safeParse({ orderId: "orders/x", status: "cancelled" }).success).toBe(false);
    expect(a.input.safeParse({ orderId: "wx-1046", status: "cancelled", transferId: "tr_1" }).success).toBe(false);
    expect(a.input.safeParse({ orderId: "wx-1046", status: "completed", transferId: "tr_demo_wx1046" }).success).toBe(true);
  });

  it("previews before/after with the update time, then completes the order with its transfer", async () => {
    const input = { orderId: "wx-1046", status: "completed", transferId: "tr_demo_wx1046" };
    const p = await fix().preview!(input, previewContext());
    expect(p.count).toBe(1);
    expect(p.summary).toBe('status "delivered" → "completed" with tr_demo_wx1046 (orders/wx-1046, one document)');
    expect(p.before).toMatchObject({ status: "delivered", amount: 47_500 });
    expect(p.after).toMatchObject({ status: "completed", stripeTransferId: "tr_demo_wx1046", amount: 47_500 });
    const snap = await fs.client.db.doc("orders/wx-1046").get();
    expect(p.precondition).toBe(`${snap.updateTime!.seconds}.${String(snap.updateTime!.nanoseconds).padStart(9, "0")}`);

    const logs: string[] = [];
    const r = await fix().run({ ...input, precondition: p.precondition }, actionContext(logs));
    expect(r.summary).toBe('status "delivered" → "completed" with tr_demo_wx1046 (orders/wx-1046)');
    const after = (await fs.client.db.doc("orders/wx-1046").get()).data()!;
    expect(after).toMatchObject({ status: "completed", stripeTransferId: "tr_demo_wx1046", amount: 47_500, buyerEmail: "buyer46@example.com" });
    expect(after.completedAt.toMillis()).toBeGreaterThan(Date.now() - 60_000);
    await expect(fix().preview!(input, previewContext())).rejects.toThrow("order wx-1046 is already completed: nothing to change");
  });

  it("refuses with 'changed since preview' when the order was written after the preview", async () => {
    const input = { orderId: "wx-1030", status: "cancelled" };
    const p = await fix().preview!(input, previewContext());
    await tick();
    await fs.client.db.doc("orders/wx-1030").update({ stripePaymentIntentId: "pi_found_meanwhile" });
    await expect(fix().run({ ...input, precondition: p.precondition }, actionContext())).rejects.toThrow(
      /^orders\/wx-1030 changed since preview \(updated at .*, the preview showed .*\); nothing was written/,
    );
    expect((await fs.client.db.doc("orders/wx-1030").get()).get("status")).toBe("paid");
  });

  it("refuses an order that does not exist and a malformed precondition", async () => {
    await expect(fix().preview!({ orderId: "wx-9999", status: "cancelled" }, previewContext())).rejects.toThrow("orders/wx-9999 does not exist");
    await expect(fix().run({ orderId: "wx-9999", status: "cancelled", precondition: "1.000000000" }, actionContext())).rejects.toThrow(/changed since preview \(it no longer exists\)/);
    await expect(fix().run({ orderId: "wx-1044", status: "cancelled", precondition: "yesterday" }, actionContext())).rejects.toThrow('precondition "yesterday" is not a document update time');
    const snap = await fs.client.db.doc("orders/wx-9999").get();
    expect(snap.exists).toBe(false);
  });
});
