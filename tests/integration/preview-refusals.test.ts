import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import stripe from "../../plugins/stripe";
import { startStripeSandbox, type StripeSandbox } from "../../plugins/stripe/sandbox";
import { previewAction, submitAction } from "~/core/actions/pipeline.server";
import type { User } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { testPortal } from "../helpers/portal";
import { shopCatalog } from "../helpers/shop";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

// Defect 9: a preview that refuses stops the press as `invalid`; a provider failure during a
// preview is an upstream failure (502/503 with the provider's words), never "invalid input".
const admin: User = { id: "u-admin", username: "admin", displayName: null, roles: ["admin"], via: "session" };

async function lastEntry(portal: Portal, action: string) {
  return portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", action).orderBy("seq", "desc").executeTakeFirstOrThrow();
}

describe("a preview that refuses stops the press", () => {
  let sandbox: FirestoreSandbox;
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    sandbox = await startFirestoreSandbox({ catalog: shopCatalog });
    t = await testPortal({ config: { plugins: { firestore: wildlifeExchangeConfig(sandbox) } } });
  });
  afterAll(async () => {
    await t?.cleanup();
    await sandbox?.stop();
  });

  it("firestore.set-payment-intent with a payment intent of another order is previewInvalid and refused as invalid before it starts", async () => {
    const input = { orderId: "wx-1045", paymentIntentId: "pi_demo_wx1001" };
    const preview = await answerOf(previewAction(t.portal, admin, "firestore.set-payment-intent", { input }), answerData);
    expect(preview.status).toBe(200);
    expect(preview.body.previewInvalid).toBe(true);
    expect(preview.body.previewError).toMatch(/already belongs to orders\/wx-1001: refusing/);

    const press = await answerOf(submitAction(t.portal, admin, "firestore.set-payment-intent", { input, confirm: "orders/wx-1045", idempotencyKey: "foreign-pi-0001" }));
    expect(press.status).toBe(400);
    expect(press.body.runId).toBeUndefined();
    const entry = await lastEntry(t.portal, "firestore.set-payment-intent");
    expect(entry.outcome).toBe("invalid");
    expect(entry.details).toMatch(/the dry run refused the input: .*already belongs to orders\/wx-1001/);
    expect(await t.portal.store.db.selectFrom("action_runs").select("id").where("action_id", "=", "firestore.set-payment-intent").execute()).toHaveLength(0);
  });
});

describe("an upstream failure during a preview is not bad input", () => {
  let sandbox: StripeSandbox;
  let limiter: http.Server;
  let limiterUrl: string;
  beforeAll(async () => {
    sandbox = await startStripeSandbox({ catalog: shopCatalog });
    // Stripe's documented 429: { error: { type: "invalid_request_error", code: "rate_limit", message } }.
    limiter = http.createServer((req, res) => {
      req.resume();
      res.writeHead(429, { "content-type": "application/json", "request-id": "req_limited" });
      res.end(JSON.stringify({ error: { type: "invalid_request_error", code: "rate_limit", message: "Too many requests hit the API too quickly." } }));
    });
    await new Promise<void>((r) => limiter.listen(0, "127.0.0.1", r));
    limiterUrl = `http://127.0.0.1:${(limiter.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await sandbox?.stop();
    await new Promise((r) => limiter?.close(r));
  });

  const cases = [
    { name: "a Stripe 401 (wrong key)", status: 502, providerStatus: 401, words: /authentication failed/, config: () => ({ secretKey: "sk_test_not_the_sandbox_key_000", apiBase: sandbox.url }) },
    { name: "a Stripe 429 (rate limited)", status: 503, providerStatus: 429, words: /rate limited by Stripe/, config: () => ({ secretKey: "sk_test_any_key_for_the_limiter_1", apiBase: limiterUrl }) },
  ];
  for (const c of cases) {
    it(`${c.name} during the dry run answers ${c.status} with the provider's words and is audited as upstream_failed`, async () => {
      const t = await testPortal({ plugins: [stripe], config: { app: { demo: false }, plugins: { stripe: c.config() } } });
      try {
        const input = { paymentIntentId: "pi_demo_wx1045", amount: 100 };
        const preview = await answerOf(previewAction(t.portal, admin, "stripe.refund", { input }), answerData);
        expect(preview.status).toBe(c.status);
        expect(preview.body).toMatchObject({ previewInvalid: false, upstream: true, providerStatus: c.providerStatus });
        expect(String(preview.body.error)).toMatch(c.words);

        const press = await answerOf(submitAction(t.portal, admin, "stripe.refund", { input, confirm: "pi_demo_wx1045", idempotencyKey: `upstream-${c.providerStatus}-01` }));
        expect(press.status).toBe(c.status);
        expect(String(press.body.error)).toMatch(c.words);
        const entry = await lastEntry(t.portal, "stripe.refund");
        expect(entry.outcome).toBe("upstream_failed");
        expect(entry.details).not.toMatch(/refused the input/);
        expect(JSON.parse(entry.details).providerStatus).toBe(c.providerStatus);
      } finally {
        await t.cleanup();
      }
    });
  }
});
