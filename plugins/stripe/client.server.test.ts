import util from "node:util";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceSet } from "../plugin-api";
import plugin from "./index";
import { describeStripeError, scrubStripeText, StripeGateway, verifyWebhookSignature, signWebhookPayload } from "./client.server";
import { actionContext, memoryLedger, probeContext, seededOrders, silentLog, stripeFixture } from "./test-helpers";

let fx: Awaited<ReturnType<typeof stripeFixture>>;
beforeAll(async () => (fx = await stripeFixture()));
afterAll(() => fx.stop());

const WRONG_KEY = "sk_test_51WrongKeyThatMustNeverAppear0000abcd";

describe("stripe client", () => {
  it("maps a wrong key to 'authentication failed' on every probe and action, never showing the key", async () => {
    const ledger = memoryLedger(seededOrders());
    const instance = await plugin.setup({
      config: { ...fx.config, secretKey: WRONG_KEY },
      log: silentLog,
      deps: { ledgers: serviceSet([{ pluginId: "firestore", service: ledger }]) },
      demo: false,
      dataDir: "/tmp",
    });
    const outputs: string[] = [];
    const record = (err: unknown) => {
      outputs.push(String(err), JSON.stringify(err), util.inspect(err, { depth: 5 }), (err as Error).stack ?? "");
      return err as Error;
    };
    expect(instance.probes).toHaveLength(5);
    for (const p of instance.probes!) {
      const err = record(await p.read(probeContext()).catch((e) => e));
      expect(err.message, p.id).toBe("authentication failed");
    }
    const inputs: Record<string, unknown> = {
      reconcile: {},
      "resend-event": { eventId: "evt_x", endpointId: "we_x" },
      refund: { paymentIntentId: "pi_demo_wx1045" },
      "recheck-payment": { paymentIntentId: "pi_demo_wx1045" },
    };
    for (const a of instance.actions!) {
      const input = a.input.parse(inputs[a.id]);
      const runErr = record(await a.run(input, actionContext()).catch((e) => e));
      expect(runErr.message, a.id).toBe("authentication failed");
      if (a.id !== "reconcile" && a.id !== "recheck-payment") {
        const previewErr = record(await a.preview!(input, { signal: new AbortController().signal, actor: { username: "a", roles: ["admin"] } }).catch((e) => e));
        expect(previewErr.message, a.id).toBe("authentication failed");
      }
    }
    outputs.push(JSON.stringify(instance), util.inspect(instance, { depth: 6 }));
    for (const text of outputs) {
      expect(text).not.toContain(WRONG_KEY);
      expect(text).not.toContain(WRONG_KEY.slice(-12));
    }
  });

  it("scrubs keys and signing secrets out of Stripe's own messages", () => {
    const err = new Stripe.errors.StripeInvalidRequestError({ type: "invalid_request_error", message: `Invalid API Key provided: ${WRONG_KEY} and whsec_abc123` } as never);
    const mapped = describeStripeError(err);
    expect(mapped.message).toBe("Stripe rejected the request: Invalid API Key provided: [redacted] and [redacted]");
    // The portal's scrubber takes what it was configured with; Stripe's key shapes go whatever it holds.
    const portal = { text: (t: string) => t.split("custom-secret-value").join("[redacted]"), cut: (t: string) => t };
    expect(scrubStripeText("x rk_live_abcDEF123 y", portal)).toBe("x [redacted] y");
    expect(scrubStripeText("has custom-secret-value", portal)).toBe("has [redacted]");
    expect(scrubStripeText("has custom-secret-value")).toBe("has custom-secret-value");
  });

  it("maps other Stripe errors to readable messages", () => {
    const raw = { message: "m" } as never;
    expect(describeStripeError(new Stripe.errors.StripeRateLimitError(raw)).message).toBe("rate limited by Stripe; try again shortly");
    expect(describeStripeError(new Stripe.errors.StripeIdempotencyError(raw)).message).toBe("idempotency key already used with different parameters");
    expect(describeStripeError(new Stripe.errors.StripeAPIError(raw)).message).toBe("Stripe API error: m");
    expect(describeStripeError(new Stripe.errors.StripePermissionError(raw)).providerStatus).toBe(403);
    expect(describeStripeError(new Error(`boom ${WRONG_KEY}`)).message).toBe("Stripe request failed: boom [redacted]");
  });

  it("reports an unreachable Stripe as a connection failure", async () => {
    const gw = new StripeGateway({ ...fx.config, apiBase: "http://127.0.0.1:9" });
    await expect(gw.listWebhookEndpoints()).rejects.toThrow("could not reach Stripe");
  });

  it("signs payloads so that constructEvent accepts them and rejects tampering", () => {
    const payload = JSON.stringify({ id: "evt_1", object: "event", type: "payment_intent.succeeded" });
    const header = signWebhookPayload(payload, "whsec_test_secret");
    expect(verifyWebhookSignature(payload, header, "whsec_test_secret").id).toBe("evt_1");
    expect(() => verifyWebhookSignature(payload.replace("evt_1", "evt_2"), header, "whsec_test_secret")).toThrow(/signature/i);
    expect(() => verifyWebhookSignature(payload, header, "whsec_other")).toThrow(/signature/i);
  });

  it("validates config: key prefixes, secrets and endpoint ids", () => {
    const parse = (v: unknown) => plugin.config.safeParse(v);
    expect(parse({ secretKey: "sk_live_abc" }).success).toBe(true);
    expect(parse({ secretKey: "rk_test_abc" }).success).toBe(true);
    expect(parse({ secretKey: "pk_test_abc" }).success).toBe(false);
    expect(parse({ secretKey: "sk_test_abc", apiBase: "not a url" }).success).toBe(false);
    expect(parse({ secretKey: "sk_test_abc", endpointSecrets: { ep_1: "whsec_1" } }).success).toBe(false);
    expect(parse({ secretKey: "sk_test_abc", webhookSecret: "secret" }).success).toBe(false);
  });
});
