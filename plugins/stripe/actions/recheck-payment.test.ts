import { afterAll, beforeAll, expect, it } from "vitest";
import { actionContext, memoryLedger, seededOrders, stripeFixture } from "../test-helpers";
import { recheckPaymentAction } from "./recheck-payment";

let fx: Awaited<ReturnType<typeof stripeFixture>>;
beforeAll(async () => (fx = await stripeFixture()));
afterAll(() => fx.stop());

it("reads one payment with its charge, undelivered events and order, and names the mismatch", async () => {
  const def = recheckPaymentAction(fx.gateway, () => memoryLedger(seededOrders()));
  expect(def.risk).toBe("low");
  const result = await def.run({ paymentIntentId: "pi_demo_wx1035" }, actionContext());
  expect(result.summary).toMatch(/^pi_demo_wx1035 succeeded; critical: Paid in Stripe, no paid order \(payment succeeded \S+ but the ledger has no order wx-1035\)$/);
  const facts = Object.fromEntries((result.rows as any[]).map((r) => [r.item, r.value]));
  expect(facts["payment intent"]).toMatch(/^pi_demo_wx1035: succeeded, 410\.00 USD/);
  expect(facts["undelivered events"]).toBe("evt_demo_paid_wx1035 payment_intent.succeeded (pending 1)");
  expect(facts.order).toBe("none (payment names wx-1035)");
  const mismatch = (result.rows as any[]).find((r) => r.item.startsWith("mismatch"));
  expect(mismatch.fixes.map((f: any) => f.actionId)).toEqual(["stripe.resend-event", "stripe.recheck-payment"]);
});

it("says payment and order agree when they do, and reads refunds and disputes", async () => {
  const def = recheckPaymentAction(fx.gateway, () => memoryLedger(seededOrders()));
  expect((await def.run({ paymentIntentId: "pi_demo_wx1031" }, actionContext())).summary).toBe("pi_demo_wx1031 succeeded; payment and order agree");
  const disputed = await def.run({ paymentIntentId: "pi_demo_wx1043" }, actionContext());
  const facts = Object.fromEntries((disputed.rows as any[]).map((r) => [r.item, r.value]));
  expect(facts.disputes).toMatch(/^dp_\w+ needs_response \(product_not_received\)$/);
  const refunded = await def.run({ paymentIntentId: "pi_demo_dup08" }, actionContext());
  expect(Object.fromEntries((refunded.rows as any[]).map((r) => [r.item, r.value])).refunds).toMatch(/^re_\w+ [\d.]+ USD succeeded$/);
});

it("works without a ledger and rejects an unknown payment", async () => {
  const def = recheckPaymentAction(fx.gateway, () => undefined);
  expect((await def.run({ paymentIntentId: "pi_demo_fail1" }, actionContext())).summary).toBe("pi_demo_fail1 requires_payment_method; order not checked");
  await expect(def.run({ paymentIntentId: "pi_demo_unknown" }, actionContext())).rejects.toMatchObject({ name: "ActionInputError", fieldErrors: { paymentIntentId: ["no such payment intent"] } });
});

it("reads a charge, refund or dispute id as the payment it belongs to (runbooks name those too)", async () => {
  const def = recheckPaymentAction(fx.gateway, () => memoryLedger(seededOrders()));
  expect(def.input.safeParse({ paymentIntentId: "ch_demo_wx1035" }).success).toBe(true);
  expect(def.input.safeParse({ paymentIntentId: "evt_demo_paid_wx1035" }).success).toBe(false);
  const logs: string[] = [];
  const viaCharge = await def.run({ paymentIntentId: "ch_demo_wx1035" }, { ...actionContext(), log: (m: string) => logs.push(m) });
  expect(viaCharge.summary).toMatch(/^pi_demo_wx1035 /);
  expect(logs).toContain("ch_demo_wx1035 belongs to pi_demo_wx1035");
  const refund = (await fx.gateway.listRefunds({ paymentIntent: "pi_demo_dup08" }))[0]!;
  expect((await def.run({ paymentIntentId: refund.id }, actionContext())).summary).toMatch(/^pi_demo_dup08 /);
  await expect(def.run({ paymentIntentId: "ch_demo_nothing" }, actionContext())).rejects.toMatchObject({ name: "ActionInputError" });
});
