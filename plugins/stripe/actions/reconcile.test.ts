import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionInputError, serviceSet } from "../../plugin-api";
import { actionContext, memoryLedger, seededOrders, stripeFixture } from "../test-helpers";
import { reconcile, reconcileAction, ReconcileInputSchema } from "./reconcile";

let fx: Awaited<ReturnType<typeof stripeFixture>>;
beforeAll(async () => (fx = await stripeFixture()));
afterAll(() => fx.stop());
const now = () => new Date();

describe("stripe.reconcile", () => {
  it("finds each of the seed's three classes over the last 7 days, and nothing else", async () => {
    const ledger = memoryLedger(seededOrders());
    const def = reconcileAction(fx.gateway, serviceSet([{ pluginId: "firestore", service: ledger }]));
    expect(def.risk).toBe("low");
    const result = await def.run(def.input.parse({ window: "7d" }), actionContext());
    const rows = result.rows as any[];
    expect(rows.map((r) => [r.class, r.severity, r.order])).toEqual([
      ["paid_no_order", "critical", "wx-1035"],
      ["order_paid_no_payment", "high", "wx-1030"],
      ["transfer_order_not_completed", "medium", "wx-1046"],
    ]);
    // Fully refunded duplicate charges and failed payments are not mismatches.
    expect(result.summary).toBe("3 mismatches (1 critical, 1 high, 1 medium): 7 payments, 7 orders, 1 transfers checked (last 7d)");

    const [missing, noPayment, transfer] = rows;
    expect(missing).toMatchObject({ paymentIntent: "pi_demo_wx1035", orderStatus: "missing", stripeAmount: "410.00 USD", customer: "l.brennan@example.com" });
    expect(missing.detail).toMatch(/the ledger has no order wx-1035$/);
    expect(missing.fixes).toEqual([
      { actionId: "stripe.resend-event", label: "Resend payment_intent.succeeded", input: { eventId: "evt_demo_paid_wx1035", endpointId: fx.sandbox.primaryEndpoint.id } },
      { actionId: "stripe.recheck-payment", label: "Re-check payment and order", input: { paymentIntentId: "pi_demo_wx1035" } },
    ]);
    expect(noPayment).toMatchObject({ orderStatus: "paid", orderAmount: "180.00 USD", detail: 'order is "paid" but carries no Stripe payment intent' });
    // Only the fixes that fit the class: cancel it or set its payment intent, never "completed".
    expect(noPayment.fixes.map((f: any) => f.label)).toEqual(["Mark cancelled", "Set payment intent"]);
    expect(transfer).toMatchObject({ transfer: "tr_demo_wx1046", stripeAmount: "427.50 USD", orderStatus: "delivered" });
    expect(transfer.detail).toMatch(/^transfer tr_demo_wx1046 of 427\.50 USD paid out .+, order is "delivered"$/);
    // The ledger's fix gets the transfer id, so "mark completed" records it.
    expect(transfer.fixes[0]).toEqual({ actionId: "ledger.set-order-status", label: "Mark completed", input: { orderId: "wx-1046", status: "completed", transferId: "tr_demo_wx1046" } });
    expect(transfer.fixes.map((f: any) => f.label)).toEqual(["Mark completed", "Set payment intent"]);
  });

  it("over the default 24 h window sees only what happened in it", async () => {
    const report = await reconcile(fx.gateway, memoryLedger(seededOrders()), ReconcileInputSchema.parse({}), { now: now() });
    expect(report.rows.map((r) => r.order)).toEqual(["wx-1035", "wx-1046"]);
    expect(report.scope).toBe("last 24h");
  });

  it("reports an amount mismatch, and a paid order whose payment failed", async () => {
    const orders = seededOrders().map((o) => (o.id === "wx-1031" ? { ...o, amount: 46_000 } : o));
    orders.push({ id: "wx-1050", status: "paid", paymentIntentId: "pi_demo_fail3", amount: 18_500, currency: "usd", createdAt: new Date(Date.now() - 6 * 60_000).toISOString() });
    const report = await reconcile(fx.gateway, memoryLedger(orders), { window: "24h" }, { now: now() });
    expect(report.rows.find((r) => r.class === "amount_mismatch")).toMatchObject({ order: "wx-1031", severity: "high", detail: "Stripe received 640.00 USD, the order says 460.00 USD" });
    expect(report.rows.find((r) => r.order === "wx-1050")).toMatchObject({ class: "order_paid_no_payment", detail: 'order is "paid" but payment pi_demo_fail3 is "requires_payment_method"' });
    expect(report.counts).toEqual({ paid_no_order: 1, order_paid_no_payment: 1, amount_mismatch: 1, transfer_order_not_completed: 1 });
  });

  it("checks one payment intent, one order, or one customer", async () => {
    const ledger = memoryLedger(seededOrders());
    const one = async (input: object) => (await reconcile(fx.gateway, ledger, ReconcileInputSchema.parse(input), { now: now() })).rows.map((r) => [r.class, r.order]);
    expect(await one({ paymentIntentId: "pi_demo_wx1035" })).toEqual([["paid_no_order", "wx-1035"]]);
    expect(await one({ orderId: "wx-1035" })).toEqual([["paid_no_order", "wx-1035"]]);
    expect(await one({ orderId: "wx-1046" })).toEqual([["transfer_order_not_completed", "wx-1046"]]);
    expect(await one({ orderId: "wx-1030" })).toEqual([["order_paid_no_payment", "wx-1030"]]);
    expect(await one({ orderId: "wx-1031" })).toEqual([]);
    expect(await one({ customerEmail: "L.Brennan@Example.com" })).toEqual([["paid_no_order", "wx-1035"]]);
    expect(await one({ customerEmail: "buyer46@example.com", window: "31d" })).toEqual([["transfer_order_not_completed", "wx-1046"]]);
    expect(await one({ customerEmail: "buyer45@example.com", window: "31d" })).toEqual([]);
    await expect(reconcile(fx.gateway, ledger, { orderId: "wx-9999" }, { now: now() })).rejects.toThrow("neither Stripe nor the orders ledger knows order wx-9999");
  });

  it("validates input and needs a ledger", async () => {
    expect(ReconcileInputSchema.safeParse({ orderId: "a", paymentIntentId: "pi_1" }).success).toBe(false);
    expect(ReconcileInputSchema.safeParse({ paymentIntentId: "ch_1" }).success).toBe(false);
    expect(ReconcileInputSchema.safeParse({ window: "90d" }).success).toBe(false);
    expect(ReconcileInputSchema.safeParse({ window: "6h" }).success).toBe(true);
    const def = reconcileAction(fx.gateway, serviceSet([]));
    await expect(def.preview!({}, { signal: new AbortController().signal, actor: { username: "r", roles: ["responder"] } })).rejects.toThrow(/no orders ledger is configured/);
  });

  it("compares with the ledger the `ledger` input names, the first by default, and refuses an unknown one by name", async () => {
    const full = memoryLedger(seededOrders());
    const empty = memoryLedger([]);
    const def = reconcileAction(fx.gateway, serviceSet([{ pluginId: "firestore", service: full }, { pluginId: "supabase", service: empty }]));
    const first = await def.run(def.input.parse({ window: "7d" }), actionContext());
    const chosen = await def.run(def.input.parse({ window: "7d", ledger: "supabase" }), actionContext());
    expect(first.data).toMatchObject({ ledger: "firestore" });
    expect((first.data as { checked: { orders: number } }).checked.orders).toBeGreaterThan(0);
    expect(chosen.data).toMatchObject({ ledger: "supabase", checked: { orders: 0 } });
    expect(chosen.summary).toContain("supabase's ledger");
    const refused = await def.preview!(def.input.parse({ ledger: "mongodb" }), { signal: new AbortController().signal, actor: { username: "r", roles: ["responder"] } }).catch((e) => e);
    expect(refused).toBeInstanceOf(ActionInputError);
    expect(refused.fieldErrors).toEqual({ ledger: ["one of firestore, supabase"] });
  });
});
