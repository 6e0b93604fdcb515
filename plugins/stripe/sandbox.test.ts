import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStripeForm, startStripeSandbox, type StripeSandbox } from "./sandbox";

// The real SDK against the sandbox: the sandbox must answer the way Stripe's API reference says.
let sandbox: StripeSandbox;
let stripe: Stripe;
const sdk = (key: string) => {
  const url = new URL(sandbox.url);
  return new Stripe(key, { host: url.hostname, port: url.port, protocol: "http", maxNetworkRetries: 0, telemetry: false });
};

beforeAll(async () => {
  sandbox = await startStripeSandbox();
  stripe = sdk(sandbox.secretKey);
});
afterAll(() => sandbox.stop());

describe("stripe sandbox", () => {
  it("parses Stripe's bracket form encoding", () => {
    expect(parseStripeForm("created[gte]=5&expand[0]=data.latest_charge&expand[1]=x&metadata[order_id]=ord_1&types[]=a&types[]=b")).toEqual({
      created: { gte: "5" },
      expand: ["data.latest_charge", "x"],
      metadata: { order_id: "ord_1" },
      types: ["a", "b"],
    });
  });

  it("pages lists with limit, has_more and starting_after, newest first", async () => {
    const first = await stripe.paymentIntents.list({ limit: 3 });
    expect(first.object).toBe("list");
    expect(first.data).toHaveLength(3);
    expect(first.has_more).toBe(true);
    const second = await stripe.paymentIntents.list({ limit: 3, starting_after: first.data[2].id });
    expect(second.data[0].id).not.toBe(first.data[2].id);
    expect(second.data[0].created).toBeLessThanOrEqual(first.data[2].created);
    const all = await stripe.paymentIntents.list({ limit: 7 }).autoPagingToArray({ limit: 1000 });
    expect(all).toHaveLength(30);
    expect(new Set(all.map((p) => p.id)).size).toBe(30);
    const back = await stripe.paymentIntents.list({ limit: 2, ending_before: second.data[0].id });
    expect(back.data.map((p) => p.id)).toEqual(first.data.slice(1).map((p) => p.id));
  });

  it("filters by created range and expands latest_charge", async () => {
    const since = Math.floor(Date.now() / 1000) - 3600;
    const recent = await stripe.paymentIntents.list({ created: { gte: since }, limit: 100, expand: ["data.latest_charge"] });
    expect(recent.data.length).toBe(6);
    for (const pi of recent.data) {
      expect(pi.created).toBeGreaterThanOrEqual(since);
      expect(typeof pi.latest_charge).toBe("object");
      expect((pi.latest_charge as Stripe.Charge).object).toBe("charge");
    }
    const pi = await stripe.paymentIntents.retrieve("pi_demo_fail1");
    expect(pi.status).toBe("requires_payment_method");
    expect(pi.last_payment_error?.decline_code).toBe("insufficient_funds");
    expect(typeof pi.latest_charge).toBe("string");
  });

  it("filters events by delivery_success and type", async () => {
    const pending = await stripe.events.list({ delivery_success: false, limit: 100 });
    // Everything since the webhook secret rotation, 3 h 10 min ago.
    expect(pending.data).toHaveLength(10);
    expect(pending.data.filter((e) => e.type === "payment_intent.succeeded").map((e) => (e.data.object as Stripe.PaymentIntent).id).sort()).toEqual([
      "pi_demo_dup11", "pi_demo_wx1031", "pi_demo_wx1032", "pi_demo_wx1033", "pi_demo_wx1034", "pi_demo_wx1035",
    ]);
    for (const e of pending.data) expect(e.pending_webhooks).toBeGreaterThan(0);
    const succeeded = await stripe.events.list({ type: "payment_intent.*", limit: 100 });
    expect(succeeded.data.every((e) => e.type.startsWith("payment_intent."))).toBe(true);
  });

  it("answers errors with Stripe's body and status codes", async () => {
    await expect(stripe.paymentIntents.retrieve("pi_nope")).rejects.toMatchObject({
      type: "StripeInvalidRequestError", statusCode: 404, code: "resource_missing", message: "No such payment_intent: 'pi_nope'",
    });
    await expect(stripe.charges.list({ bogus: 1 } as never)).rejects.toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "bogus" });
    await expect(stripe.charges.list({ limit: 1000 })).rejects.toMatchObject({ statusCode: 400, param: "limit" });
    await expect(sdk("sk_test_thisIsNotTheKey1234").charges.list()).rejects.toMatchObject({ type: "StripeAuthenticationError", statusCode: 401 });
  });

  it("replays an idempotent request and refuses the key with other parameters", async () => {
    const a = await stripe.refunds.create({ payment_intent: "pi_demo_wx1044", amount: 500 }, { idempotencyKey: "idem-1" });
    const b = await stripe.refunds.create({ payment_intent: "pi_demo_wx1044", amount: 500 }, { idempotencyKey: "idem-1" });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(sandbox.all("refund").filter((r) => r.payment_intent === "pi_demo_wx1044")).toHaveLength(1);
    await expect(stripe.refunds.create({ payment_intent: "pi_demo_wx1044", amount: 600 }, { idempotencyKey: "idem-1" })).rejects.toMatchObject({
      type: "StripeIdempotencyError", statusCode: 400,
    });
    const charge = await stripe.charges.retrieve(a.charge as string);
    expect(charge.amount_refunded).toBe(500);
    expect(charge.refunded).toBe(false);
  });

  it("refuses refunds Stripe would refuse", async () => {
    await expect(stripe.refunds.create({ payment_intent: "pi_demo_wx1034", amount: 999_999 })).rejects.toMatchObject({
      statusCode: 400, code: "amount_too_large", param: "amount", message: "Refund amount ($9999.99) is greater than unrefunded amount on charge ($99.00)",
    });
    await expect(stripe.refunds.create({ payment_intent: "pi_demo_fail1" })).rejects.toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
    await expect(stripe.refunds.create({ payment_intent: "pi_demo_wx1043" })).rejects.toMatchObject({ statusCode: 400, code: "charge_disputed" });
    await expect(stripe.refunds.create({ payment_intent: "pi_demo_dup01" })).rejects.toMatchObject({ statusCode: 400, code: "charge_already_refunded" });
  });

  it("delivers events it creates to its receivers, which check signatures with constructEvent", async () => {
    await stripe.refunds.create({ payment_intent: "pi_demo_wx1045", amount: 100 });
    await new Promise((r) => setTimeout(r, 300));
    const accepted = sandbox.deliveries.filter((d) => d.status === 200).map((d) => d.type);
    // The shop endpoint listens for charge.refunded but not refund.created; the legacy one is disabled.
    expect(accepted).toEqual(["charge.refunded", "charge.refunded"]);
    const [latest] = (await stripe.events.list({ type: "charge.refunded", limit: 1 })).data;
    expect((latest.data.object as Stripe.Charge).payment_intent).toBe("pi_demo_wx1045");
    expect(latest.pending_webhooks).toBe(0);
    const forged = await fetch(`${sandbox.url}/_receiver/shop`, { method: "POST", headers: { "stripe-signature": "t=1,v1=deadbeef" }, body: "{}" });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toMatch(/signature/i);
  });
});
