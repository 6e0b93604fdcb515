// The shop's Stripe webhook receiver (the seed's /api/stripe/webhook): verifies each delivery with
// the SDK's constructEvent against the shop's STRIPE_WEBHOOK_SECRET, and for a paid checkout
// creates or confirms the order in Firestore and records the event in stripeEvents, once per event
// id ("already processed" on a replay). A bad signature is answered 400, as the seed describes.
import crypto from "node:crypto";
import Stripe from "stripe";
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import type { DemoModule } from "../world";
import type { DemoResponse } from "../../plugins/plugin-api";
import { SHOP_ORDERS, SHOP_STRIPE_WEBHOOK_PATH } from "./catalog";
import { hasShopFirestore, shopFirestore } from "./firestore";

/** What the Stripe sandbox announces on the world as "stripe.sandbox". */
export interface StripeSandboxHandle {
  url: string;
  secretKey: string;
  endpoints(): { id: string; url: string; status: string; secret: string }[];
}

/** The shop's Stripe side, on the world as "shop.stripe" (the demo plugin's action acts through it). */
export interface ShopStripeHandle {
  webhookUrl: string;
  /** First 12 hex of sha256 of the shop's STRIPE_WEBHOOK_SECRET: shows which secret, never the secret. */
  secretFingerprint(): string;
  /** The same for the secret Stripe signs the shop's endpoint with; null while the sandbox is not up. */
  stripeEndpoint(): { id: string; fingerprint: string } | null;
  /** Sets STRIPE_WEBHOOK_SECRET to the endpoint's signing secret and "redeploys" the receiver. */
  syncWebhookSecret(): { before: string; after: string; endpointId: string; changed: boolean };
  stats(): { verified: number; rejected: number; duplicates: number; lastRejection: string | null };
}

export const SHOP_STRIPE = "shop.stripe";
export const STRIPE_SANDBOX = "stripe.sandbox";
const PAID_TYPES = new Set(["payment_intent.succeeded", "checkout.session.completed"]);

export const fingerprint = (secret: string) => crypto.createHash("sha256").update(secret).digest("hex").slice(0, 12);

export const stripeWebhooks: DemoModule = {
  id: "stripe-webhooks",
  async start(world) {
    const webhookUrl = `${world.shopUrl}${SHOP_STRIPE_WEBHOOK_PATH}`;
    // The secret from before the rotation in Stripe: the shop's environment was never updated.
    let secret = `whsec_${crypto.randomBytes(24).toString("hex")}`;
    const stats = { verified: 0, rejected: 0, duplicates: 0, lastRejection: null as string | null };
    const firestore = shopFirestore(world);

    const endpoint = () => world.get<StripeSandboxHandle>(STRIPE_SANDBOX)?.endpoints().find((e) => e.url === webhookUrl) ?? null;
    const handle: ShopStripeHandle = {
      webhookUrl,
      secretFingerprint: () => fingerprint(secret),
      stripeEndpoint() {
        const e = endpoint();
        return e ? { id: e.id, fingerprint: fingerprint(e.secret) } : null;
      },
      syncWebhookSecret() {
        const e = endpoint();
        if (!e) throw new Error("the Stripe sandbox has no endpoint pointing at the shop's webhook");
        const before = fingerprint(secret);
        secret = e.secret;
        world.log.info({ endpointId: e.id, before, after: fingerprint(secret) }, "demo shop: STRIPE_WEBHOOK_SECRET updated, receiver redeployed");
        return { before, after: fingerprint(secret), endpointId: e.id, changed: before !== fingerprint(secret) };
      },
      stats: () => ({ ...stats }),
    };
    world.provide(SHOP_STRIPE, handle);

    world.route("POST", SHOP_STRIPE_WEBHOOK_PATH, async (req) => {
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(req.body, req.headers["stripe-signature"] ?? "", secret);
      } catch (err) {
        const why = `Webhook signature verification failed: ${(err as Error).message}`;
        stats.rejected++;
        stats.lastRejection = why;
        if (hasShopFirestore(world)) {
          await firestore()
            .then((db) => recordFailure(db, why))
            .catch((e) => world.log.warn({ err: String(e) }, "demo shop: could not record the webhook failure"));
        }
        return { status: 400, body: { error: why } };
      }
      stats.verified++;
      let db: Firestore;
      try {
        db = await firestore();
      } catch {
        return { status: 503, body: { error: "the shop's database (the Firestore emulator) is not running" } };
      }
      const out = await processEvent(db, event);
      if (out.already) stats.duplicates++;
      return respond(out);
    });
  },
};

function respond(out: { already: boolean; orderId: string | null; created: boolean }): DemoResponse {
  if (out.already) return { status: 200, body: { received: true, message: "Event already processed" } };
  return { status: 200, body: { received: true, orderId: out.orderId, orderCreated: out.created } };
}

async function recordFailure(db: Firestore, why: string): Promise<void> {
  const ref = db.doc("opsHealth/stripeWebhook");
  await db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    tx.set(ref, { errorsCount: Number(snap.get("errorsCount") ?? 0) + 1, lastError: why.slice(0, 300), lastErrorAt: Timestamp.now() }, { merge: true });
  });
}

type StripeObject = {
  id?: string;
  object?: string;
  amount?: number;
  amount_received?: number;
  amount_total?: number;
  currency?: string;
  created?: number;
  receipt_email?: string | null;
  customer_email?: string | null;
  customer_details?: { email?: string | null } | null;
  payment_intent?: string | null;
  client_reference_id?: string | null;
  metadata?: Record<string, string> | null;
};

/** Idempotent on event id: the first delivery writes, every later one is "already processed". */
export async function processEvent(db: Firestore, event: Stripe.Event): Promise<{ already: boolean; orderId: string | null; created: boolean }> {
  const eventRef = db.collection("stripeEvents").doc(event.id);
  const healthRef = db.doc("opsHealth/stripeWebhook");
  return db.runTransaction(async (tx) => {
    const obj = event.data.object as StripeObject;
    const orderId = PAID_TYPES.has(event.type) ? (obj.metadata?.order_id ?? obj.client_reference_id ?? null) : (obj.metadata?.order_id ?? null);
    const orderRef = orderId && PAID_TYPES.has(event.type) ? db.collection("orders").doc(orderId) : null;
    const [seen, health, order] = await Promise.all([tx.get(eventRef), tx.get(healthRef), orderRef ? tx.get(orderRef) : Promise.resolve(null)]);
    if (seen.exists) return { already: true, orderId, created: false };
    const now = Timestamp.now();
    let created = false;
    if (orderRef && order) {
      const paymentIntentId = obj.object === "payment_intent" ? obj.id! : (obj.payment_intent ?? null);
      const webhook = { processedAt: now, eventId: event.id };
      if (!order.exists) {
        const facts = SHOP_ORDERS[orderId!];
        tx.set(orderRef, {
          listingId: facts?.listingId ?? null,
          sellerId: facts?.sellerId ?? null,
          buyerEmail: obj.receipt_email ?? obj.customer_email ?? obj.customer_details?.email ?? facts?.buyerEmail ?? null,
          amount: obj.amount_received ?? obj.amount_total ?? obj.amount ?? null,
          currency: obj.currency ?? "usd",
          status: "paid",
          adminHold: false,
          stripePaymentIntentId: paymentIntentId,
          createdAt: now,
          paidAt: Timestamp.fromMillis((obj.created ?? event.created) * 1000),
          webhook,
        });
        created = true;
      } else {
        const update: Record<string, unknown> = { webhook };
        if (!order.get("stripePaymentIntentId") && paymentIntentId) update.stripePaymentIntentId = paymentIntentId;
        if (["pending", "created", "awaiting_payment"].includes(String(order.get("status")))) update.status = "paid";
        tx.set(orderRef, update, { merge: true });
      }
    }
    tx.set(eventRef, { type: event.type, orderId, livemode: event.livemode, createdAt: Timestamp.fromMillis(event.created * 1000), processedAt: now });
    tx.set(healthRef, { lastWebhookAt: now, lastRunAt: now, processedCount: Number(health.get("processedCount") ?? 0) + 1 }, { merge: true });
    return { already: false, orderId, created };
  });
}

