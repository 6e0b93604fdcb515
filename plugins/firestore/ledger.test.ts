import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrdersLedgerSchema } from "./config";
import { createOrdersLedger } from "./ledger";
import { SEEDED } from "./sandbox";
import { seededFirestore, type SeededFirestore } from "./testing";

let fs: SeededFirestore;
beforeAll(async () => {
  fs = await seededFirestore();
});
afterAll(async () => {
  await fs?.stop();
});

const DAY = 86_400_000;
const ledger = () => createOrdersLedger(fs.client, fs.config.orders!);

describe("firestore orders ledger (firebase-admin against the emulator)", () => {
  it("lists the orders created in [from, to), oldest first, through the field mapping", async () => {
    const orders = await ledger().listOrders({ from: new Date(fs.now.getTime() - 10 * DAY), to: new Date(fs.now.getTime() - 3 * DAY) });
    expect(orders.map((o) => o.id)).toEqual(["wx-1041", "wx-1040", "wx-1044"]);
    expect(orders[1]).toEqual({
      id: "wx-1040",
      status: "delivered",
      paymentIntentId: "pi_demo_wx1040",
      amount: 72_000,
      currency: "usd",
      customerEmail: "buyer40@example.com",
      transferId: null,
      createdAt: new Date(fs.now.getTime() - 9 * DAY).toISOString(),
      paidAt: new Date(fs.now.getTime() - 9 * DAY + 4 * 60_000).toISOString(),
      completedAt: null,
    });
    const all = await ledger().listOrders({ from: new Date(0), to: new Date(fs.now.getTime() + DAY) });
    expect(all).toHaveLength(16);
  });

  it("finds an order by payment intent or by id, and answers null for unknown ones", async () => {
    expect(await ledger().findByPaymentIntent("pi_demo_wx1001")).toMatchObject({ id: "wx-1001", status: "completed", transferId: "tr_demo_wx1001", amount: 45_000 });
    expect(await ledger().findByPaymentIntent("pi_unknown")).toBeNull();
    expect(await ledger().findById(SEEDED.paidWithoutIntent)).toMatchObject({ id: "wx-1030", status: "paid", paymentIntentId: null });
    expect(await ledger().findById("wx-9999")).toBeNull();
    expect(await ledger().findById("a/b")).toBeNull();
  });

  it("maps other field names and amounts kept in currency units", async () => {
    await fs.client.db.doc("shopOrders/s1").set({ state: "paid", payment: { intent: "pi_shop_1" }, total: 12.5, placedAt: new Date(fs.now.getTime() - DAY).toISOString() });
    const cfg = OrdersLedgerSchema.parse({
      collection: "shopOrders",
      amountUnit: "major",
      timestampType: "iso",
      fields: { status: "state", amount: "total", createdAt: "placedAt", paymentIntent: "payment.intent" },
    });
    const l = createOrdersLedger(fs.client, cfg);
    expect(await l.findById("s1")).toMatchObject({ status: "paid", amount: 1250, paymentIntentId: "pi_shop_1", createdAt: new Date(fs.now.getTime() - DAY).toISOString() });
    expect((await l.listOrders({ from: new Date(fs.now.getTime() - 2 * DAY), to: fs.now })).map((o) => o.id)).toEqual(["s1"]);
  });

  it("offers the single-document fixes for one order with their input preset", async () => {
    const order = (await ledger().findById("wx-1046"))!;
    expect(ledger().fixActions!({ ...order, transferId: "tr_demo_wx1046" })).toEqual([
      { actionId: "firestore.set-order-status", label: "Mark completed (with transfer id)", input: { orderId: "wx-1046", status: "completed", transferId: "tr_demo_wx1046" } },
      { actionId: "firestore.set-order-status", label: "Mark cancelled", input: { orderId: "wx-1046", status: "cancelled" } },
      { actionId: "firestore.set-payment-intent", label: "Set stripePaymentIntentId", input: { orderId: "wx-1046", paymentIntentId: "pi_demo_wx1046" } },
      { actionId: "firestore.toggle-admin-hold", label: "Toggle admin hold", input: { orderId: "wx-1046" } },
      { actionId: "firestore.add-internal-note", label: "Write an internal note", input: { orderId: "wx-1046" } },
    ]);
    const done = (await ledger().findById("wx-1001"))!;
    expect(ledger().fixActions!(done).map((f) => f.actionId)).not.toContain("firestore.set-order-status");
  });
});
