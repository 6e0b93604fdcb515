import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStripeForm, startStripeSandbox, type StripeSandbox } from "./sandbox";
import { shopCatalog } from "../../tests/helpers/shop";

// The real SDK against the sandbox: the sandbox must answer the way Stripe's API reference says.
let sandbox: StripeSandbox;
let stripe: Stripe;
const sdk = (key: string) => {
  const url = new URL(sandbox.url);
  return new Stripe(key, { host: url.hostname, port: url.port, protocol: "http", maxNetworkRetries: 0, telemetry: false });
};

beforeAll(async () => {
  sandbox = await startStripeSandbox({ catalog: shopCatalog });
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

describe("stripe sandbox: fidelity found against Stripe's API description", () => {
  const post = (path: string, body: string, key: string) =>
    fetch(`${sandbox.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${sandbox.secretKey}`, "content-type": "application/x-www-form-urlencoded", "idempotency-key": key },
      body,
    });

  it("stores a failed request against its idempotency key: the same key replays the error, other parameters are refused", async () => {
    const key = `fail-${Date.now()}`;
    const first = await post("/v1/refunds", "payment_intent=pi_demo_wx1044&amount=999999999", key);
    expect(first.status).toBe(400);
    expect(((await first.json()) as any).error.code).toBe("amount_too_large");
    const firstId = first.headers.get("request-id");

    const again = await post("/v1/refunds", "payment_intent=pi_demo_wx1044&amount=999999999", key);
    expect(again.status).toBe(400);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("original-request")).toBe(firstId);
    expect(again.headers.get("request-id")).not.toBe(firstId);

    const other = await post("/v1/refunds", "payment_intent=pi_demo_wx1044&amount=500", key);
    expect(other.status).toBe(400);
    expect(((await other.json()) as any).error.type).toBe("idempotency_error");

    // A request whose parameters failed validation is not saved (Stripe: the endpoint never ran).
    const vkey = `validation-${Date.now()}`;
    expect((await post("/v1/refunds", "payment_intent=pi_demo_wx1044&bogus=1", vkey)).status).toBe(400);
    const fixed = await post("/v1/refunds", "payment_intent=pi_demo_wx1044&amount=100", vkey);
    expect(fixed.status).toBe(200);
  });

  it("names the original request on a replay, and the causing request in event.request.id", async () => {
    const key = `ok-${Date.now()}`;
    const first = await post("/v1/refunds", "payment_intent=pi_demo_wx1045&amount=250", key);
    expect(first.status).toBe(200);
    const refund = (await first.json()) as any;
    const requestId = first.headers.get("request-id")!;
    expect(requestId).toMatch(/^req_/);
    const replay = await post("/v1/refunds", "payment_intent=pi_demo_wx1045&amount=250", key);
    expect(replay.headers.get("original-request")).toBe(requestId);
    expect(((await replay.json()) as any).id).toBe(refund.id);

    const events = await stripe.events.list({ type: "refund.created", limit: 100 });
    const ev = events.data.find((e) => (e.data.object as any).id === refund.id)!;
    expect(ev.request).toEqual({ id: requestId, idempotency_key: key });
    // Automatic events (no API request behind them) carry request.id null, as Stripe's do.
    const seeded = await stripe.events.retrieve("evt_demo_paid_wx1035");
    expect(seeded.request?.id).toBeNull();
  });
});

describe("stripe sandbox: delivers like Stripe", () => {
  it("retries a failing endpoint with backoff, keeps pending_webhooks > 0 until a 2xx, signs with the endpoint's secret", async () => {
    let accept = false;
    const seen: { status: number; at: number }[] = [];
    let secret = "";
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        let status = 503;
        if (accept) {
          try {
            Stripe.webhooks.constructEvent(Buffer.concat(chunks), String(req.headers["stripe-signature"]), secret);
            status = 200;
          } catch {
            status = 400;
          }
        }
        seen.push({ status, at: Date.now() });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/stripe/webhook`;
    const sb = await startStripeSandbox({ catalog: shopCatalog, shopWebhookUrl: url, delivery: { retryDelaysMs: [200, 400] } });
    try {
      const shop = sb.endpoints().find((e) => e.url === url)!;
      secret = shop.secret;
      const client = new Stripe(sb.secretKey, { host: "127.0.0.1", port: new URL(sb.url).port, protocol: "http", maxNetworkRetries: 0, telemetry: false });
      const refund = await client.refunds.create({ payment_intent: "pi_demo_wx1044", amount: 100 });
      // The shop's endpoint listens for charge.refunded (not refund.created, which goes nowhere).
      const find = async () => (await client.events.list({ type: "charge.refunded", limit: 100 })).data.find((e) => e.request?.id && (e.data.object as any).payment_intent === refund.payment_intent)!;
      expect((await client.events.list({ type: "refund.created", limit: 100 })).data.find((e) => (e.data.object as any).id === refund.id)!.pending_webhooks).toBe(0);
      await new Promise((r) => setTimeout(r, 900));
      expect((await find()).pending_webhooks).toBe(1);
      const failing = sb.attempts.filter((a) => a.endpointId === shop.id && a.type === "charge.refunded");
      expect(failing.length).toBeGreaterThanOrEqual(3);
      expect(failing.map((a) => a.attempt)).toEqual(failing.map((_, i) => i + 1));
      expect(failing.every((a) => a.status === 503)).toBe(true);
      // Backoff: the gaps grow to the last delay, which then repeats.
      expect(failing[2].at - failing[1].at).toBeGreaterThanOrEqual(350);

      accept = true;
      for (let i = 0; i < 40 && (await find()).pending_webhooks > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await find()).pending_webhooks).toBe(0);
      expect(seen.at(-1)!.status).toBe(200);
      const delivered = (await find()).id;
      const undelivered = await client.events.list({ delivery_success: false, limit: 100 });
      expect(undelivered.data.map((e) => e.id)).not.toContain(delivered);
      expect((await client.events.list({ delivery_success: true, limit: 100 })).data.map((e) => e.id)).toContain(delivered);
    } finally {
      await sb.stop();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});
