import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionInputError } from "../../plugin-api";
import { actionContext, memoryLedger, seededOrders, stripeFixture } from "../test-helpers";
import { refundAction } from "./refund";

let fx: Awaited<ReturnType<typeof stripeFixture>>;
beforeAll(async () => (fx = await stripeFixture()));
afterAll(() => fx.stop());
const previewCtx = { signal: new AbortController().signal, actor: { username: "admin", roles: ["admin"] } };
const refundsOf = (pi: string) => fx.sandbox.all("refund").filter((r) => r.payment_intent === pi);

describe("stripe.refund", () => {
  const ledger = memoryLedger(seededOrders());
  const def = () => refundAction(fx.gateway, () => ledger);

  it("is critical, one per payment intent per 10 minutes", () => {
    expect(def().risk).toBe("critical");
    expect(def().rateLimit).toEqual({ max: 1, per: "10m" });
    expect(def().target!({ paymentIntentId: "pi_demo_wx1045" })).toBe("pi_demo_wx1045");
  });

  it("previews the amount and the order", async () => {
    const preview = await def().preview!(def().input.parse({ paymentIntentId: "pi_demo_wx1045", amount: 2500 }), previewCtx);
    expect(preview.summary).toBe('Refund 25.00 USD of 210.00 USD refundable on pi_demo_wx1045 to buyer45@example.com; order wx-1045 ("confirmed").');
    expect(preview.before).toMatchObject({ amount: 21000, amountRefunded: 0, order: "wx-1045", orderStatus: "confirmed" });
    expect(preview.after).toEqual({ amountRefunded: 2500, fullyRefunded: false });
    expect(refundsOf("pi_demo_wx1045")).toHaveLength(0);
  });

  it("rejects an over-refund in preview and run as a 400 with a field error", async () => {
    const input = def().input.parse({ paymentIntentId: "pi_demo_wx1034", amount: 10_000 });
    const err = await def().preview!(input, previewCtx).catch((e) => e);
    expect(err).toBeInstanceOf(ActionInputError);
    expect(err.status).toBe(400);
    expect(err.message).toBe("amount 100.00 USD exceeds what is refundable on pi_demo_wx1034: 99.00 USD");
    expect(err.fieldErrors.amount[0]).toMatch(/at most 9900/);
    await expect(def().run(input, actionContext())).rejects.toBeInstanceOf(ActionInputError);
    expect(refundsOf("pi_demo_wx1034")).toHaveLength(0);
  });

  it("refuses a disputed payment and one already refunded", async () => {
    await expect(def().preview!({ paymentIntentId: "pi_demo_wx1043" }, previewCtx)).rejects.toThrow(/open dispute/);
    await expect(def().preview!({ paymentIntentId: "pi_demo_dup01" }, previewCtx)).rejects.toThrow("pi_demo_dup01 is already fully refunded");
    await expect(def().preview!({ paymentIntentId: "pi_demo_fail1" }, previewCtx)).rejects.toMatchObject({ status: 400 });
    await expect(def().preview!({ paymentIntentId: "pi_demo_nothing" }, previewCtx)).rejects.toThrow("Stripe has no payment intent pi_demo_nothing");
    expect(def().input.safeParse({ paymentIntentId: "pi_demo_wx1045", amount: -5 }).success).toBe(false);
    expect(def().input.safeParse({ paymentIntentId: "pi_demo_wx1045", amount: 10.5 }).success).toBe(false);
  });

  it("runs a partial refund; the same idempotency key twice makes one refund in Stripe", async () => {
    const ctx = actionContext({ idempotencyKey: "idem-partial-1" });
    const input = def().input.parse({ paymentIntentId: "pi_demo_wx1044", amount: 1000, reason: "requested_by_customer" });
    const first = await def().run(input, ctx);
    const second = await def().run(input, actionContext({ idempotencyKey: "idem-partial-1" }));
    expect(first.summary).toMatch(/^Refunded 10\.00 USD on pi_demo_wx1044 \(re_\w+, succeeded\)$/);
    expect(second.data).toEqual(first.data);
    const refunds = refundsOf("pi_demo_wx1044");
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: 1000, reason: "requested_by_customer", metadata: { opsdeck_idempotency_key: "idem-partial-1" } });
    expect(ctx.lines.join("\n")).toMatch(/refunding 10\.00 USD on pi_demo_wx1044/);
  });

  it("runs a full refund once even when repeated with the same key", async () => {
    const input = def().input.parse({ paymentIntentId: "pi_demo_wx1040" });
    const first = await def().run(input, actionContext({ idempotencyKey: "idem-full-1" }));
    expect(first.summary).toMatch(/^Refunded 720\.00 USD on pi_demo_wx1040/);
    const again = await def().run(input, actionContext({ idempotencyKey: "idem-full-1" }));
    expect(again.summary).toMatch(/^Already refunded 720\.00 USD on pi_demo_wx1040/);
    expect(refundsOf("pi_demo_wx1040")).toHaveLength(1);
    // A different key is a different request: now there is nothing left to refund.
    await expect(def().run(input, actionContext({ idempotencyKey: "idem-full-2" }))).rejects.toMatchObject({ status: 400 });
  });

  it("refuses to run when the payment changed since the preview", async () => {
    const preview = await def().preview!({ paymentIntentId: "pi_demo_wx1041", amount: 500 }, previewCtx);
    await fx.gateway.createRefund({ paymentIntent: "pi_demo_wx1041", amount: 100 }, "someone-else");
    await expect(def().run({ paymentIntentId: "pi_demo_wx1041", amount: 500, precondition: preview.precondition }, actionContext())).rejects.toMatchObject({ status: 409 });
  });
});
