import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionContext, previewContext, seededFirestore, type SeededFirestore } from "../testing";
import { setPaymentIntent } from "./set-payment-intent";

let fs: SeededFirestore;
beforeAll(async () => {
  fs = await seededFirestore();
});
afterAll(async () => {
  await fs?.stop();
});
const tick = () => new Promise((r) => setTimeout(r, 3));
const fix = () => setPaymentIntent(fs.client, fs.config.orders!);

describe("firestore.set-payment-intent (firebase-admin against the emulator)", () => {
  it("writes the payment intent on the order that lacks it, after a preview", async () => {
    const a = fix();
    expect([a.risk, a.target!({ orderId: "wx-1030", paymentIntentId: "pi_x" })]).toEqual(["high", "orders/wx-1030"]);
    expect(a.input.safeParse({ orderId: "wx-1030", paymentIntentId: "ch_123" }).success).toBe(false);
    const input = { orderId: "wx-1030", paymentIntentId: "pi_3Pq8recovered" };
    const p = await a.preview!(input, previewContext());
    expect(p.before).toMatchObject({ stripePaymentIntentId: null, status: "paid" });
    expect(p.after).toMatchObject({ stripePaymentIntentId: "pi_3Pq8recovered", status: "paid" });
    expect(p.rows).toEqual([{ field: "stripePaymentIntentId", before: null, after: "pi_3Pq8recovered" }]);
    await a.run({ ...input, precondition: p.precondition }, actionContext());
    expect((await fs.client.db.doc("orders/wx-1030").get()).get("stripePaymentIntentId")).toBe("pi_3Pq8recovered");
  });

  it("refuses a payment intent another order already holds", async () => {
    const input = { orderId: "wx-1045", paymentIntentId: "pi_demo_wx1001" };
    await expect(fix().preview!(input, previewContext())).rejects.toThrow("pi_demo_wx1001 already belongs to orders/wx-1001: refusing to attach it to a second order");
    await expect(fix().run(input, actionContext())).rejects.toThrow(/already belongs to orders\/wx-1001/);
    expect((await fs.client.db.doc("orders/wx-1045").get()).get("stripePaymentIntentId")).toBe("pi_demo_wx1045");
  });

  it("refuses with 'changed since preview' when the order moved on", async () => {
    const input = { orderId: "wx-1045", paymentIntentId: "pi_3Pq8other" };
    const p = await fix().preview!(input, previewContext());
    await tick();
    await fs.client.db.doc("orders/wx-1045").update({ status: "delivered" });
    await expect(fix().run({ ...input, precondition: p.precondition }, actionContext())).rejects.toThrow(/^orders\/wx-1045 changed since preview/);
    expect((await fs.client.db.doc("orders/wx-1045").get()).get("stripePaymentIntentId")).toBe("pi_demo_wx1045");
  });
});
