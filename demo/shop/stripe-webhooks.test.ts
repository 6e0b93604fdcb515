import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFirestoreClient, type FirestoreClient } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import { startStripeSandbox, type StripeSandbox } from "../../plugins/stripe/sandbox";
import type { DemoWorld } from "../../plugins/plugin-api";
import { SHOP_CATALOG, SHOP_STORY, SHOP_STRIPE_WEBHOOK_PATH, shopOrder } from "./catalog";
import { SHOP_STRIPE, stripeWebhooks, type ShopStripeHandle } from "./stripe-webhooks";
import { createWorld } from "../world";

// The shop's receiver with the real SDK's signatures, the real Firestore emulator and the Stripe
// sandbox pointing its endpoint at the shop, as demo mode wires them.
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let world: DemoWorld;
let stopWorld: () => Promise<void>;
let firestore: FirestoreSandbox;
let stripe: StripeSandbox;
let client: FirestoreClient;
let shop: ShopStripeHandle;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-shop-"));
  ({ world, stop: stopWorld } = await createWorld({ dataDir: dir, log: quiet, portalUrl: "http://127.0.0.1:1" }));
  await stripeWebhooks.start(world);
  shop = world.get<ShopStripeHandle>(SHOP_STRIPE)!;
  firestore = await startFirestoreSandbox({ catalog: SHOP_CATALOG });
  world.provide("firestore.emulator", { host: firestore.host, projectId: firestore.projectId });
  stripe = await startStripeSandbox({ catalog: SHOP_CATALOG, shopWebhookUrl: shop.webhookUrl });
  world.provide("stripe.sandbox", { url: stripe.url, secretKey: stripe.secretKey, endpoints: stripe.endpoints });
  client = createFirestoreClient({ projectId: firestore.projectId, emulatorHost: firestore.host });
});
afterAll(async () => {
  await client?.close();
  await stripe?.stop();
  await stopWorld?.();
  await firestore?.stop();
});

async function deliver(eventId: string, secret: string) {
  const event = stripe.all("event").find((e) => e.id === eventId)!;
  const payload = JSON.stringify(event);
  return fetch(`${world.shopUrl}${SHOP_STRIPE_WEBHOOK_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret }) },
    body: payload,
  });
}

describe("the demo shop's Stripe webhook receiver", () => {
  it("answers 400 'signature verification failed' while it holds the pre-rotation secret, and counts the failure", async () => {
    const endpoint = stripe.endpoints().find((e) => e.url === shop.webhookUrl)!;
    expect(shop.stripeEndpoint()).toEqual({ id: endpoint.id, fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(shop.secretFingerprint()).not.toBe(shop.stripeEndpoint()!.fingerprint);
    const before = Number((await client.db.doc("opsHealth/stripeWebhook").get()).get("errorsCount"));
    const res = await deliver(`evt_demo_paid_${SHOP_STORY.paidNoOrder.replace("-", "")}`, endpoint.secret);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^Webhook signature verification failed: No signatures found matching the expected signature/);
    expect((await client.db.doc(`orders/${SHOP_STORY.paidNoOrder}`).get()).exists).toBe(false);
    expect(Number((await client.db.doc("opsHealth/stripeWebhook").get()).get("errorsCount"))).toBe(before + 1);
  });

  it("after the secret is synced, creates the missing order from the payment and records the event once", async () => {
    const sync = shop.syncWebhookSecret();
    expect(sync.changed).toBe(true);
    expect(shop.secretFingerprint()).toBe(shop.stripeEndpoint()!.fingerprint);
    const endpoint = stripe.endpoints().find((e) => e.url === shop.webhookUrl)!;
    const eventId = "evt_demo_paid_wx1035";
    const res = await deliver(eventId, endpoint.secret);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, orderId: "wx-1035", orderCreated: true });
    const order = (await client.db.doc("orders/wx-1035").get()).data()!;
    const facts = shopOrder("wx-1035");
    expect(order).toMatchObject({ status: "paid", amount: facts.amount, buyerEmail: facts.buyerEmail, stripePaymentIntentId: facts.paymentIntentId, webhook: { eventId } });
    expect((await client.db.doc(`stripeEvents/${eventId}`).get()).get("orderId")).toBe("wx-1035");

    const replay = await deliver(eventId, endpoint.secret);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ received: true, message: "Event already processed" });
    expect(shop.stats()).toMatchObject({ verified: 2, duplicates: 1, rejected: 1 });
  });

  it("confirms an existing stuck order instead of creating another", async () => {
    const endpoint = stripe.endpoints().find((e) => e.url === shop.webhookUrl)!;
    expect((await client.db.doc("orders/wx-1032").get()).get("webhook.processedAt")).toBeNull();
    const res = await deliver("evt_demo_paid_wx1032", endpoint.secret);
    expect(await res.json()).toEqual({ received: true, orderId: "wx-1032", orderCreated: false });
    const doc = await client.db.doc("orders/wx-1032").get();
    expect(doc.get("webhook.eventId")).toBe("evt_demo_paid_wx1032");
    expect(doc.get("amount")).toBe(shopOrder("wx-1032").amount);
  });
});
