// A local server that answers the Stripe API endpoints this plugin uses the way Stripe's API
// reference documents them: form-encoded requests, Bearer auth (401 for a wrong key), list
// objects with has_more / starting_after / ending_before / limit, created[gte|gt|lte|lt]
// filters, error bodies {error:{type,code,message,param}}, Idempotency-Key replay and mismatch.
// Given the demo shop's catalog, it is seeded with the trouble the seed runbooks describe (see
// seed()). Demo mode (with the world's catalog) and tests use it.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ShopCatalog } from "../plugin-api";
import { signWebhookPayload, verifyWebhookSignature } from "./client.server";

type Obj = Record<string, any>;
type Kind = "payment_intent" | "charge" | "refund" | "event" | "webhook_endpoint" | "dispute" | "transfer";

const API_VERSION = "2026-10-28.endive";
const PREFIX: Record<Kind, string> = {
  payment_intent: "pi",
  charge: "ch",
  refund: "re",
  event: "evt",
  webhook_endpoint: "we",
  dispute: "dp",
  transfer: "tr",
};
const COLLECTION: Record<string, Kind> = {
  payment_intents: "payment_intent",
  charges: "charge",
  refunds: "refund",
  events: "event",
  webhook_endpoints: "webhook_endpoint",
  disputes: "dispute",
  transfers: "transfer",
};
const LIST_PARAMS: Record<Kind, string[]> = {
  payment_intent: ["customer"],
  charge: ["customer", "payment_intent", "transfer_group"],
  refund: ["charge", "payment_intent"],
  event: ["type", "types", "delivery_success"],
  webhook_endpoint: [],
  dispute: ["charge", "payment_intent"],
  transfer: ["destination", "transfer_group"],
};
/** Errors raised while checking parameters, before an endpoint executes: Stripe saves no idempotent result for them. */
const VALIDATION_CODES = new Set(["parameter_unknown", "parameter_missing", "parameter_invalid_integer", "parameter_invalid_string", "parameter_invalid_empty"]);
const OPEN_DISPUTE = new Set(["warning_needs_response", "warning_under_review", "needs_response", "under_review"]);

export interface SandboxDelivery {
  endpointId: string;
  eventId: string;
  type: string;
  /** The endpoint's HTTP status; 0 when it could not be reached. */
  status: number;
  at: number;
  /** 1 for the first attempt, 2 for the first retry… (delivery attempts only). */
  attempt?: number;
}

/** How the sandbox retries failed deliveries: Stripe's schedule (hours to 3 days), compressed. */
export interface DeliveryOptions {
  /** Delay before retry n (the last one repeats), e.g. [2000, 5000, 10000]. */
  retryDelaysMs: number[];
  /** Give up after this many attempts (Stripe: about 3 days of retries). Default: keep retrying. */
  maxAttempts?: number;
  /** Also deliver the seeded events still pending (the backlog), spread over this many ms. */
  redeliverBacklogWithinMs?: number;
}

export interface StripeSandbox {
  url: string;
  secretKey: string;
  /** Signing secret per webhook endpoint id (Stripe shows these only at creation). */
  endpointSecrets: Record<string, string>;
  /** The enabled order-finalization endpoint's id and secret. */
  primaryEndpoint: { id: string; secret: string };
  /** Deliveries the sandbox's own receivers accepted or refused. */
  deliveries: SandboxDelivery[];
  /** Every delivery attempt the sandbox made to an endpoint URL, with its answer (last 2000). */
  attempts: SandboxDelivery[];
  /** Every webhook endpoint with its URL and signing secret (for the demo world's shop). */
  endpoints(): { id: string; url: string; status: string; secret: string }[];
  /** All objects of one kind, newest first (tests inspect this; the plugin never does). */
  all(kind: Kind): Obj[];
  stop(): Promise<void>;
}

export interface SandboxOptions {
  secretKey?: string;
  /** Clock in epoch ms; the seed is laid out relative to it. */
  now?: () => number;
  /** The demo shop whose realistic trouble to seed (`world.catalog`); without one the sandbox starts empty. */
  catalog?: ShopCatalog;
  /** URL of the shop's enabled endpoint (default: the sandbox's own receiver, which accepts). */
  shopWebhookUrl?: string;
  /** Retry failed deliveries like Stripe (default: one attempt, a failure stays pending). */
  delivery?: DeliveryOptions;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; code?: string; message: string; param?: string; decline_code?: string },
  ) {
    super(body.message);
  }
}

const invalid = (message: string, extra: { code?: string; param?: string; status?: number } = {}) =>
  new ApiError(extra.status ?? 400, { type: "invalid_request_error", message, code: extra.code, param: extra.param });
const missing = (kind: string, id: string, param = "id") =>
  new ApiError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such ${kind}: '${id}'`, param });

function randomId(prefix: string, n = 24): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.randomBytes(n);
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${prefix}_${out}`;
}

/** Parses Stripe's form encoding: a[b]=c, a[0]=x, a[]=x, into nested objects and arrays. */
export function parseStripeForm(text: string): Obj {
  const out: Obj = {};
  const params = new URLSearchParams(text);
  for (const [rawKey, value] of params) {
    const parts = rawKey.replace(/\]/g, "").split("[");
    let cur: any = out;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(parts[i + 1]);
      if (Array.isArray(cur)) {
        if (part === "" || last) {
          if (last) cur.push(value);
          else cur.push(nextIsIndex ? [] : {});
          if (!last) cur = cur[cur.length - 1];
          continue;
        }
        const idx = Number(part);
        if (last) cur[idx] = value;
        else cur = cur[idx] ??= nextIsIndex ? [] : {};
        continue;
      }
      if (last) cur[part] = value;
      else cur = cur[part] ??= nextIsIndex ? [] : {};
    }
  }
  return out;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

export async function startStripeSandbox(options: SandboxOptions = {}): Promise<StripeSandbox> {
  const secretKey = options.secretKey ?? `sk_test_${randomId("sandbox", 20).slice(8)}`;
  const nowMs = options.now ?? (() => Date.now());
  const nowSec = () => Math.floor(nowMs() / 1000);

  const store: Record<Kind, Map<string, Obj>> = {
    payment_intent: new Map(),
    charge: new Map(),
    refund: new Map(),
    event: new Map(),
    webhook_endpoint: new Map(),
    dispute: new Map(),
    transfer: new Map(),
  };
  const order = new Map<string, number>();
  let seq = 0;
  const put = (o: Obj) => {
    store[o.object as Kind].set(o.id, o);
    if (!order.has(o.id)) order.set(o.id, ++seq);
    return o;
  };
  const endpointSecrets: Record<string, string> = {};
  const deliveries: SandboxDelivery[] = [];
  const idempotency = new Map<string, { fingerprint: string; status: number; body: string; requestId: string }>();
  const pendingDeliveries = new Set<Promise<unknown>>();
  const attempts: SandboxDelivery[] = [];
  const retryTimers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let baseUrl = "";

  /* ------------------------------------------------------------ object shapes */

  function makeCharge(p: {
    id?: string; amount: number; created: number; status: "succeeded" | "failed"; pi: string; customer: string; email: string;
    orderId?: string; failure?: { code: string; decline: string; message: string };
  }): Obj {
    const id = p.id ?? randomId("ch");
    const ok = p.status === "succeeded";
    return put({
      id, object: "charge", amount: p.amount, amount_captured: ok ? p.amount : 0, amount_refunded: 0,
      application: null, application_fee: null, application_fee_amount: null,
      balance_transaction: ok ? randomId("txn") : null,
      billing_details: { address: { city: null, country: "US", line1: null, line2: null, postal_code: "94107", state: null }, email: p.email, name: null, phone: null },
      calculated_statement_descriptor: "OPSDECK SHOP", captured: ok, created: p.created, currency: "usd", customer: p.customer,
      description: p.orderId ? `Order ${p.orderId}` : null, disputed: false,
      failure_balance_transaction: null, failure_code: p.failure?.code ?? null, failure_message: p.failure?.message ?? null,
      fraud_details: {}, livemode: false, metadata: p.orderId ? { order_id: p.orderId } : {},
      on_behalf_of: null,
      outcome: ok
        ? { network_status: "approved_by_network", reason: null, risk_level: "normal", risk_score: 22, seller_message: "Payment complete.", type: "authorized" }
        : { network_status: "declined_by_network", reason: p.failure?.decline ?? "generic_decline", risk_level: "normal", risk_score: 38, seller_message: "The bank did not return any further details with this decline.", type: "issuer_declined" },
      paid: ok, payment_intent: p.pi, payment_method: randomId("pm"),
      payment_method_details: { card: { brand: "visa", country: "US", exp_month: 8, exp_year: 2028, funding: "credit", last4: "4242" }, type: "card" },
      receipt_email: p.email, receipt_number: null, receipt_url: ok ? `https://pay.stripe.com/receipts/payment/${id}` : null,
      refunded: false, review: null, shipping: null, source_transfer: null, statement_descriptor: null, statement_descriptor_suffix: null,
      status: p.status, transfer_data: null, transfer_group: p.orderId ?? null,
    });
  }

  function makePaymentIntent(p: {
    id?: string; amount: number; created: number; status: "succeeded" | "requires_payment_method"; customer: string; email: string;
    orderId?: string; failure?: { code: string; decline: string; message: string };
  }): Obj {
    const id = p.id ?? randomId("pi");
    // A seeded payment's charge keeps its id across sandbox restarts, as a real charge does (a
    // request filed before a portal restart must show the same preview after it).
    const charge = makeCharge({ id: p.id ? `ch_${id.slice(3)}` : undefined, amount: p.amount, created: p.created + 1, status: p.status === "succeeded" ? "succeeded" : "failed", pi: id, customer: p.customer, email: p.email, orderId: p.orderId, failure: p.failure });
    return put({
      id, object: "payment_intent", amount: p.amount, amount_capturable: 0, amount_details: { tip: {} },
      amount_received: p.status === "succeeded" ? p.amount : 0, application: null, application_fee_amount: null,
      automatic_payment_methods: { allow_redirects: "always", enabled: true }, canceled_at: null, cancellation_reason: null,
      capture_method: "automatic_async", client_secret: `${id}_secret_${randomId("x", 20).slice(2)}`, confirmation_method: "automatic",
      created: p.created, currency: "usd", customer: p.customer, description: p.orderId ? `Order ${p.orderId}` : null,
      last_payment_error: p.failure
        ? { charge: charge.id, code: p.failure.code, decline_code: p.failure.decline, doc_url: `https://stripe.com/docs/error-codes/${p.failure.code.replace(/_/g, "-")}`, message: p.failure.message, type: "card_error" }
        : null,
      latest_charge: charge.id, livemode: false, metadata: p.orderId ? { order_id: p.orderId } : {}, next_action: null, on_behalf_of: null,
      payment_method: p.status === "succeeded" ? charge.payment_method : null, payment_method_options: { card: { request_three_d_secure: "automatic" } },
      payment_method_types: ["card"], processing: null, receipt_email: p.email, review: null, setup_future_usage: null, shipping: null,
      statement_descriptor: null, statement_descriptor_suffix: null, status: p.status, transfer_data: null, transfer_group: p.orderId ?? null,
    });
  }

  /** `requestId`: the API request that caused the event (null for automatic ones, Stripe's shape). */
  function makeEvent(type: string, object: Obj, created: number, opts: { id?: string; pending?: number; idempotencyKey?: string | null; requestId?: string | null; previous?: Obj } = {}): Obj {
    return put({
      id: opts.id ?? randomId("evt"), object: "event", api_version: API_VERSION, created,
      data: { object: clone(object), ...(opts.previous ? { previous_attributes: opts.previous } : {}) },
      livemode: false, pending_webhooks: opts.pending ?? 0,
      request: { id: opts.requestId ?? null, idempotency_key: opts.idempotencyKey ?? null },
      type,
    });
  }

  function applyRefund(charge: Obj, p: { amount: number; created: number; reason?: string | null; metadata?: Obj }): { refund: Obj; previous: Obj } {
    const refund = put({
      id: randomId("re"), object: "refund", amount: p.amount, balance_transaction: randomId("txn"), charge: charge.id,
      created: p.created, currency: charge.currency, destination_details: { card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" }, type: "card" },
      metadata: p.metadata ?? {}, payment_intent: charge.payment_intent, reason: p.reason ?? null, receipt_number: null,
      source_transfer_reversal: null, status: "succeeded", transfer_reversal: null,
    });
    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded += p.amount;
    charge.refunded = charge.amount_refunded >= charge.amount_captured;
    return { refund, previous };
  }

  function makeTransfer(p: { id?: string; amount: number; created: number; orderId: string; sourceCharge: string }): Obj {
    const id = p.id ?? randomId("tr");
    return put({
      id, object: "transfer", amount: p.amount, amount_reversed: 0, balance_transaction: randomId("txn"), created: p.created,
      currency: "usd", description: `Seller payout for ${p.orderId}`, destination: "acct_1SellerDemo00001", destination_payment: randomId("py"),
      livemode: false, metadata: { order_id: p.orderId }, reversals: { object: "list", data: [], has_more: false, total_count: 0, url: `/v1/transfers/${id}/reversals` },
      reversed: false, source_transaction: p.sourceCharge, source_type: "card", transfer_group: p.orderId,
    });
  }

  function makeDispute(charge: Obj, p: { created: number; status: string; reason: string; dueBy: number }): Obj {
    charge.disputed = true;
    return put({
      id: randomId("dp"), object: "dispute", amount: charge.amount, balance_transactions: [], charge: charge.id, created: p.created,
      currency: charge.currency,
      evidence: { customer_email_address: charge.billing_details.email, product_description: null, shipping_tracking_number: null, uncategorized_text: null },
      evidence_details: { due_by: p.dueBy, has_evidence: false, past_due: false, submission_count: 0 },
      is_charge_refundable: false, livemode: false, metadata: {}, payment_intent: charge.payment_intent, reason: p.reason, status: p.status,
    });
  }

  function makeEndpoint(p: { name: string; status: "enabled" | "disabled"; description: string; created: number; events: string[] }): Obj {
    const id = randomId("we");
    endpointSecrets[id] = `whsec_${crypto.randomBytes(24).toString("hex")}`;
    return put({
      id, object: "webhook_endpoint", api_version: API_VERSION, application: null, created: p.created, description: p.description,
      enabled_events: p.events, livemode: false, metadata: {}, status: p.status,
      url: p.name === "shop" && options.shopWebhookUrl ? options.shopWebhookUrl : `${baseUrl}/_receiver/${p.name}`,
    });
  }

  /* ------------------------------------------------------------------ seed */

  /**
   * The Wildlife Exchange marketplace (the seed runbooks' shop), matching the orders the firestore
   * plugin's sandbox holds: the webhook signing secret was rotated about 3 h 10 min ago and no
   * delivery has succeeded since, so recent events are pending and one paid checkout (wx-1035)
   * never became an order; wx-1030 is "paid" in the app with no Stripe payment; the payout for
   * wx-1046 was transferred while the order is still "delivered"; wx-1043 is disputed; a checkout
   * retry bug double-charged buyers, and the duplicate refunds run at 4x the usual daily rate.
   */
  function seed(shop: ShopCatalog) {
    const now = nowSec();
    const M = 60, H = 3600, D = 86400;
    const ROTATED = now - Math.round(shop.story.secretRotatedAgo / 1000);
    makeEndpoint({
      name: "shop", status: "enabled", created: now - 400 * D, description: "Wildlife Exchange order webhook (/api/stripe/webhook)",
      events: ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded", "charge.dispute.created", "transfer.created", "account.updated"],
    });
    makeEndpoint({
      name: "legacy", status: "disabled", created: now - 700 * D, description: "Old Netlify function; Stripe disabled it after 3 days of failed deliveries",
      events: ["*"],
    });
    const pending = (created: number) => (created >= ROTATED ? 1 : 0);
    // Amounts, buyers and times come from the shop's catalog (the Firestore emulator reads it too).
    const paid = (orderId: string) => {
      const facts = shop.order(orderId);
      const [amount, email] = [facts.amount, facts.buyerEmail];
      const created = now - Math.round(facts.paidAgo / 1000);
      const pi = makePaymentIntent({ id: `pi_demo_${orderId.replace("-", "")}`, amount, created, status: "succeeded", customer: `cus_${orderId.replace("-", "")}`, email, orderId });
      makeEvent("payment_intent.succeeded", pi, created + 60, { id: `evt_demo_paid_${orderId.replace("-", "")}`, pending: pending(created + 60) });
      return pi;
    };

    // Completed long ago, paid out to the seller.
    [1, 2, 3, 4].forEach((n) => {
      const pi = paid(`wx-100${n}`);
      const amount = pi.amount as number;
      const at = now - (13 - n) * D;
      makeEvent("transfer.created", makeTransfer({ id: `tr_demo_wx100${n}`, amount: Math.round(amount * 0.9), created: at, orderId: `wx-100${n}`, sourceCharge: pi.latest_charge }), at);
    });
    // Protected transactions and the rest of the last weeks.
    paid("wx-1040");
    paid("wx-1041");
    paid("wx-1042");
    const disputed = paid("wx-1043");
    paid("wx-1044");
    paid("wx-1045");
    const early = paid("wx-1046");
    // Paid out while the order is still "delivered" (seed class: transfer exists, order not completed).
    const transferAt = now - Math.round(shop.story.transferAgo / 1000);
    makeEvent("transfer.created", makeTransfer({ id: "tr_demo_wx1046", amount: Math.round(early.amount * 0.9), created: transferAt, orderId: "wx-1046", sourceCharge: early.latest_charge }), transferAt, { id: "evt_demo_transfer_wx1046" });

    // Since the secret rotation: paid, but the webhook never confirmed them.
    paid("wx-1031");
    paid("wx-1032");
    paid("wx-1033");
    paid("wx-1034");
    // Paid, and the order was never created: the handler that creates it never ran.
    paid("wx-1035");

    // Disputes: one open on wx-1043 (evidence due in 5 days), one won on wx-1002.
    const openCharge = store.charge.get(disputed.latest_charge)!;
    const open = makeDispute(openCharge, { created: now - 2 * D, status: "needs_response", reason: "product_not_received", dueBy: now + 5 * D });
    makeEvent("charge.dispute.created", open, now - 2 * D + 30, { id: "evt_demo_dispute_wx1043" });
    const wonCharge = store.charge.get(store.payment_intent.get("pi_demo_wx1002")!.latest_charge)!;
    const won = makeDispute(wonCharge, { created: now - 16 * D, status: "won", reason: "fraudulent", dueBy: now - 9 * D });
    won.evidence_details.has_evidence = true;
    won.evidence_details.submission_count = 1;

    // Duplicate charges from the checkout retry bug, each refunded in full as "duplicate":
    // one a day over the previous week (the baseline), then four in the last 24 hours.
    // Each duplicate follows its order's original payment, so a redelivered backlog (in any order)
    // never makes a duplicate the payment an order is created from.
    const dupOf = ["wx-1001", "wx-1040", "wx-1041", "wx-1042", "wx-1043", "wx-1044", "wx-1045", "wx-1031", "wx-1032", "wx-1046", "wx-1033"];
    const refundAgo = [7 * D + 5 * H, 6 * D + 5 * H, 5 * D + 5 * H, 4 * D + 5 * H, 3 * D + 5 * H, 2 * D + 5 * H, 1 * D + 5 * H, 20 * H, 9 * H, 4 * H, 50 * M];
    refundAgo.forEach((ago, k) => {
      const orderId = dupOf[k];
      const original = store.payment_intent.get(`pi_demo_${orderId.replace("-", "")}`)!;
      const created = now - ago - 30 * M;
      const pi = makePaymentIntent({ id: `pi_demo_dup${String(k + 1).padStart(2, "0")}`, amount: original.amount, created, status: "succeeded", customer: original.customer, email: original.receipt_email, orderId });
      makeEvent("payment_intent.succeeded", pi, created + 2, { pending: pending(created + 2) });
      const charge = store.charge.get(pi.latest_charge)!;
      const { previous } = applyRefund(charge, { amount: charge.amount, created: now - ago, reason: "duplicate" });
      makeEvent("charge.refunded", charge, now - ago + 1, { previous, pending: pending(now - ago + 1) });
    });

    // Card failures in the last hour.
    const failures: [string, string, number, number, string, string, string][] = [
      ["fail1", "m.ortega@example.com", 64_000, 45, "card_declined", "insufficient_funds", "Your card has insufficient funds."],
      ["fail2", "new.buyer@example.com", 9_900, 25, "expired_card", "expired_card", "Your card has expired."],
      ["fail3", "c.dale@example.com", 18_500, 5, "card_declined", "generic_decline", "Your card was declined."],
    ];
    for (const [suffix, email, amount, ago, code, decline, message] of failures) {
      const created = now - ago * M;
      const pi = makePaymentIntent({ id: `pi_demo_${suffix}`, amount, created, status: "requires_payment_method", customer: `cus_demo_${suffix}`, email, failure: { code, decline, message } });
      makeEvent("payment_intent.payment_failed", pi, created + 2, { pending: pending(created + 2) });
    }
  }

  /* ----------------------------------------------------------- delivering */

  const subscribed = (e: Obj, type: string) => e.status === "enabled" && (e.enabled_events.includes("*") || e.enabled_events.includes(type));

  /** Sends an event to every enabled endpoint that listens for it; pending_webhooks counts those not yet answered 2xx. */
  function deliverToEndpoints(event: Obj, firstDelayMs = 0) {
    const targets = [...store.webhook_endpoint.values()].filter((e) => subscribed(e, event.type));
    event.pending_webhooks = targets.length;
    for (const endpoint of targets) schedule(event, endpoint.id, 1, firstDelayMs);
  }

  function schedule(event: Obj, endpointId: string, attempt: number, delayMs: number) {
    if (stopped) return;
    if (delayMs <= 0) return void track(deliverOnce(event, endpointId, attempt));
    const t = setTimeout(() => {
      retryTimers.delete(t);
      void track(deliverOnce(event, endpointId, attempt));
    }, delayMs);
    t.unref?.();
    retryTimers.add(t);
  }

  function track(p: Promise<unknown>) {
    pendingDeliveries.add(p);
    void p.finally(() => pendingDeliveries.delete(p));
  }

  async function deliverOnce(event: Obj, endpointId: string, attempt: number): Promise<void> {
    const endpoint = store.webhook_endpoint.get(endpointId);
    if (stopped || !endpoint || !subscribed(endpoint, event.type)) return;
    const payload = JSON.stringify(event, null, 2);
    const header = signWebhookPayload(payload, endpointSecrets[endpoint.id]);
    let status = 0;
    try {
      const res = await fetch(endpoint.url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": header, "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    attempts.push({ endpointId, eventId: event.id, type: event.type, status, at: nowMs(), attempt });
    if (attempts.length > 2000) attempts.splice(0, attempts.length - 2000);
    if (status >= 200 && status < 300) {
      event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
      return;
    }
    const d = options.delivery;
    if (!d || (d.maxAttempts !== undefined && attempt >= d.maxAttempts)) return;
    schedule(event, endpointId, attempt + 1, d.retryDelaysMs[Math.min(attempt - 1, d.retryDelaysMs.length - 1)]);
  }

  /** The seeded backlog: Stripe keeps retrying events it could not deliver, so the demo does too. */
  function redeliverBacklog(withinMs: number) {
    const pending = [...store.event.values()].filter((e) => e.pending_webhooks > 0).sort((a, b) => a.created - b.created);
    pending.forEach((event, i) => {
      const targets = [...store.webhook_endpoint.values()].filter((e) => subscribed(e, event.type));
      event.pending_webhooks = targets.length;
      for (const endpoint of targets) schedule(event, endpoint.id, 1, Math.round(((i + 1) / pending.length) * withinMs));
    });
  }

  /* ------------------------------------------------------------- requests */

  function filterCreated(items: Obj[], created: unknown): Obj[] {
    if (created === undefined) return items;
    if (typeof created === "string") {
      if (!/^\d+$/.test(created)) throw invalid(`Invalid integer: ${created}`, { code: "parameter_invalid_integer", param: "created" });
      return items.filter((o) => o.created === Number(created));
    }
    if (typeof created !== "object" || created === null) throw invalid("Invalid created", { param: "created" });
    const bounds: Record<string, number> = {};
    for (const [k, v] of Object.entries(created as Obj)) {
      if (!["gt", "gte", "lt", "lte"].includes(k)) throw invalid(`Received unknown parameter: created[${k}]`, { code: "parameter_unknown", param: `created[${k}]` });
      if (!/^\d+$/.test(String(v))) throw invalid(`Invalid integer: ${v}`, { code: "parameter_invalid_integer", param: `created[${k}]` });
      bounds[k] = Number(v);
    }
    return items.filter(
      (o) =>
        (bounds.gt === undefined || o.created > bounds.gt) &&
        (bounds.gte === undefined || o.created >= bounds.gte) &&
        (bounds.lt === undefined || o.created < bounds.lt) &&
        (bounds.lte === undefined || o.created <= bounds.lte),
    );
  }

  function expand(kind: Kind, o: Obj, paths: string[]): Obj {
    const out = clone(o);
    for (const path of paths) {
      if (kind === "payment_intent" && path === "latest_charge" && out.latest_charge) out.latest_charge = clone(store.charge.get(out.latest_charge));
      else if ((kind === "refund" || kind === "dispute") && path === "charge") out.charge = clone(store.charge.get(out.charge));
      else if (kind === "charge" && path === "payment_intent" && out.payment_intent) out.payment_intent = clone(store.payment_intent.get(out.payment_intent));
      else throw invalid(`This property cannot be expanded (${path}).`, { param: "expand" });
    }
    return out;
  }

  function expandList(params: Obj): string[] {
    const raw = params.expand;
    if (raw === undefined) return [];
    const list: string[] = Array.isArray(raw) ? raw : Object.values(raw);
    return list.map(String);
  }

  function list(kind: Kind, path: string, params: Obj): Obj {
    const allowed = new Set(["limit", "starting_after", "ending_before", "created", "expand", ...LIST_PARAMS[kind]]);
    for (const k of Object.keys(params)) if (!allowed.has(k)) throw invalid(`Received unknown parameter: ${k}`, { code: "parameter_unknown", param: k });
    let limit = 10;
    if (params.limit !== undefined) {
      if (!/^\d+$/.test(params.limit)) throw invalid(`Invalid integer: ${params.limit}`, { code: "parameter_invalid_integer", param: "limit" });
      limit = Number(params.limit);
      if (limit < 1 || limit > 100) throw invalid("This value must be greater than or equal to 1 and less than or equal to 100.", { code: "parameter_invalid_integer", param: "limit" });
    }
    if (params.starting_after && params.ending_before) throw invalid("You may only specify one of these parameters: ending_before, starting_after.", { param: "starting_after" });
    let items = [...store[kind].values()].sort((a, b) => b.created - a.created || order.get(b.id)! - order.get(a.id)!);
    items = filterCreated(items, params.created);
    for (const key of LIST_PARAMS[kind]) {
      const v = params[key];
      if (v === undefined) continue;
      if (key === "delivery_success") {
        if (v !== "true" && v !== "false") throw invalid(`Invalid boolean: ${v}`, { param: key });
        items = items.filter((e) => (v === "true" ? e.pending_webhooks === 0 : e.pending_webhooks > 0));
      } else if (key === "types") {
        const types: string[] = Array.isArray(v) ? v : Object.values(v);
        items = items.filter((e) => types.includes(e.type));
      } else if (key === "type") {
        const re = new RegExp(`^${String(v).replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
        items = items.filter((e) => re.test(e.type));
      } else {
        items = items.filter((o) => o[key] === v);
      }
    }
    const cursor = params.starting_after ?? params.ending_before;
    if (cursor) {
      const at = items.findIndex((o) => o.id === cursor);
      if (at < 0 && !store[kind].has(cursor)) throw invalid(`No such ${kind}: '${cursor}'`, { code: "resource_missing", param: params.starting_after ? "starting_after" : "ending_before" });
      if (params.starting_after) {
        items = at < 0 ? [] : items.slice(at + 1);
        const page = items.slice(0, limit);
        return listObject(kind, path, page, items.length > limit, params);
      }
      items = at < 0 ? [] : items.slice(0, at);
      const page = items.slice(Math.max(0, items.length - limit));
      return listObject(kind, path, page, items.length > limit, params);
    }
    return listObject(kind, path, items.slice(0, limit), items.length > limit, params);
  }

  function listObject(kind: Kind, path: string, page: Obj[], hasMore: boolean, params: Obj): Obj {
    const paths = expandList(params).map((p) => {
      if (!p.startsWith("data.")) throw invalid(`This property cannot be expanded (${p}). You may want to try expanding 'data.${p}' instead.`, { param: "expand" });
      return p.slice(5);
    });
    return { object: "list", data: page.map((o) => (paths.length ? expand(kind, o, paths) : clone(o))), has_more: hasMore, url: path };
  }

  function retrieve(kind: Kind, id: string, params: Obj): Obj {
    for (const k of Object.keys(params)) if (k !== "expand") throw invalid(`Received unknown parameter: ${k}`, { code: "parameter_unknown", param: k });
    const o = store[kind].get(id);
    if (!o) throw missing(kind, id);
    return expand(kind, o, expandList(params));
  }

  function createRefund(params: Obj, idempotencyKey: string | null, requestId: string): Obj {
    const allowed = new Set(["amount", "charge", "payment_intent", "reason", "metadata", "expand", "refund_application_fee", "reverse_transfer", "instructions_email", "origin", "currency", "customer"]);
    for (const k of Object.keys(params)) if (!allowed.has(k)) throw invalid(`Received unknown parameter: ${k}`, { code: "parameter_unknown", param: k });
    let charge: Obj | undefined;
    if (params.payment_intent) {
      const pi = store.payment_intent.get(params.payment_intent);
      if (!pi) throw missing("payment_intent", params.payment_intent, "payment_intent");
      if (pi.status !== "succeeded" || !pi.latest_charge)
        throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, { code: "payment_intent_unexpected_state", param: "payment_intent" });
      charge = store.charge.get(pi.latest_charge);
      if (params.charge && params.charge !== charge?.id) throw invalid("The charge does not belong to this PaymentIntent.", { param: "charge" });
    } else if (params.charge) {
      charge = store.charge.get(params.charge);
      if (!charge) throw missing("charge", params.charge, "charge");
    } else {
      throw invalid("One of the following params should be provided for this request: payment_intent or charge.", { code: "parameter_missing" });
    }
    if (!charge || charge.status !== "succeeded") throw invalid(`Charge ${charge?.id ?? "?"} has not succeeded and cannot be refunded.`, { param: "charge" });
    const disputed = [...store.dispute.values()].find((d) => d.charge === charge!.id && OPEN_DISPUTE.has(d.status) && !d.is_charge_refundable);
    if (disputed) throw invalid(`Charge ${charge.id} has been charged back; you cannot issue a refund while dispute ${disputed.id} is open.`, { code: "charge_disputed", param: "charge" });
    if (charge.refunded) throw invalid(`Charge ${charge.id} has already been refunded.`, { code: "charge_already_refunded", param: "charge" });
    const remaining = charge.amount_captured - charge.amount_refunded;
    let amount = remaining;
    if (params.amount !== undefined) {
      if (!/^\d+$/.test(params.amount) || Number(params.amount) < 1) throw invalid(`Invalid positive integer`, { code: "parameter_invalid_integer", param: "amount" });
      amount = Number(params.amount);
      if (amount > remaining) {
        const fmt = (n: number) => `$${(n / 100).toFixed(2)}`;
        throw invalid(`Refund amount (${fmt(amount)}) is greater than unrefunded amount on charge (${fmt(remaining)})`, { code: "amount_too_large", param: "amount" });
      }
    }
    if (params.reason !== undefined && !["duplicate", "fraudulent", "requested_by_customer"].includes(params.reason))
      throw invalid("Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", { code: "parameter_invalid_string", param: "reason" });
    const metadata = typeof params.metadata === "object" ? params.metadata : {};
    const { refund, previous } = applyRefund(charge, { amount, created: nowSec(), reason: params.reason ?? null, metadata });
    deliverToEndpoints(makeEvent("refund.created", refund, nowSec(), { idempotencyKey, requestId }));
    deliverToEndpoints(makeEvent("charge.refunded", charge, nowSec(), { idempotencyKey, requestId, previous }));
    return expand("refund", refund, expandList(params));
  }

  function route(method: string, path: string, params: Obj, idempotencyKey: string | null, requestId: string): Obj {
    // The account the key belongs to (GET /v1/account), as the doctor reads it.
    if (method === "GET" && path === "/v1/account") return { id: "acct_sandbox0000000000", object: "account", country: "DE", default_currency: "eur", charges_enabled: true, settings: { dashboard: { display_name: "Sandbox shop" } } };
    const m = /^\/v1\/([a-z_]+)(?:\/([A-Za-z0-9_]+))?$/.exec(path);
    const kind = m ? COLLECTION[m[1]] : undefined;
    if (!m || !kind) throw new ApiError(404, { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` });
    if (method === "GET" && !m[2]) return list(kind, path, params);
    if (method === "GET" && m[2]) {
      if (!m[2].startsWith(`${PREFIX[kind]}_`)) throw missing(kind, m[2]);
      return retrieve(kind, m[2], params);
    }
    if (method === "POST" && kind === "refund" && !m[2]) return createRefund(params, idempotencyKey, requestId);
    throw new ApiError(404, { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path}). This sandbox answers only the endpoints the Opsdeck Stripe plugin uses.` });
  }

  function authorized(header: string | undefined): { ok: true } | { ok: false; message: string } {
    if (!header) return { ok: false, message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')." };
    let key = "";
    if (header.startsWith("Bearer ")) key = header.slice(7).trim();
    else if (header.startsWith("Basic ")) key = Buffer.from(header.slice(6), "base64").toString().split(":")[0];
    if (key === secretKey) return { ok: true };
    // Stripe echoes a masked key back; the plugin must never pass this message on.
    const masked = key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
    return { ok: false, message: `Invalid API Key provided: ${masked}` };
  }

  async function receiver(name: string, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) {
    const endpoint = [...store.webhook_endpoint.values()].find((e) => e.url === `${baseUrl}/_receiver/${name}`);
    const send = (status: number, payload: Obj) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    if (!endpoint) return send(404, { error: "no such receiver" });
    let event: Obj;
    try {
      event = verifyWebhookSignature(body, String(req.headers["stripe-signature"] ?? ""), endpointSecrets[endpoint.id]) as unknown as Obj;
    } catch (err) {
      deliveries.push({ endpointId: endpoint.id, eventId: "?", type: "?", status: 400, at: nowMs() });
      return send(400, { error: `Webhook signature verification failed: ${(err as Error).message}` });
    }
    // The legacy handler was removed from the app: it answers 410, which is why Stripe disabled it.
    const status = name === "legacy" ? 410 : 200;
    deliveries.push({ endpointId: endpoint.id, eventId: event.id, type: event.type, status, at: nowMs() });
    send(status, status === 200 ? { received: true } : { error: "this webhook handler was removed" });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://sandbox");
      const requestId = randomId("req", 14);
      const send = (status: number, payload: string, extra: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", "request-id": requestId, "stripe-version": String(req.headers["stripe-version"] ?? API_VERSION), ...extra });
        res.end(payload);
      };
      const errorJson = (err: ApiError) => {
        const { type, code, message, param, decline_code } = err.body;
        const e: Obj = { type, message, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` };
        if (code) e.code = code;
        if (code) e.doc_url = `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}`;
        if (param) e.param = param;
        if (decline_code) e.decline_code = decline_code;
        return JSON.stringify({ error: e }, null, 2);
      };
      const sendError = (err: ApiError) => send(err.status, errorJson(err));
      const recv = /^\/_receiver\/([a-z]+)$/.exec(url.pathname);
      if (recv && req.method === "POST") return void receiver(recv[1], req, body, res);

      const auth = authorized(req.headers.authorization);
      if (!auth.ok) return sendError(new ApiError(401, { type: "invalid_request_error", message: auth.message }));
      const method = req.method ?? "GET";
      const params = method === "GET" || method === "DELETE" ? parseStripeForm(url.search.slice(1)) : parseStripeForm(body.toString("utf8"));
      const idempotencyKey = method === "POST" ? ((req.headers["idempotency-key"] as string | undefined) ?? null) : null;
      if (idempotencyKey) {
        if (idempotencyKey.length > 255) return sendError(invalid("Idempotency keys must be at most 255 characters long.", { param: "Idempotency-Key" }));
        const fingerprint = `${method} ${url.pathname} ${[...new URLSearchParams(body.toString("utf8"))].map(([k, v]) => `${k}=${v}`).sort().join("&")}`;
        const saved = idempotency.get(idempotencyKey);
        if (saved) {
          if (saved.fingerprint !== fingerprint)
            return sendError(
              new ApiError(400, {
                type: "idempotency_error",
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
              }),
            );
          return send(saved.status, saved.body, { "idempotent-replayed": "true", "original-request": saved.requestId, "idempotency-key": idempotencyKey });
        }
        const extra = { "idempotency-key": idempotencyKey, "original-request": requestId };
        try {
          const out = JSON.stringify(route(method, url.pathname, params, idempotencyKey, requestId), null, 2);
          idempotency.set(idempotencyKey, { fingerprint, status: 200, body: out, requestId });
          return send(200, out, extra);
        } catch (err) {
          const apiErr = err instanceof ApiError ? err : new ApiError(500, { type: "api_error", message: "An unknown error occurred" });
          // Stripe saves the result once the endpoint started executing, errors included (a 402, a
          // refused refund, a 500); only requests whose parameters failed validation are not saved.
          const validation = apiErr.status === 404 && !apiErr.body.code ? true : VALIDATION_CODES.has(apiErr.body.code ?? "");
          const errorBody = errorJson(apiErr);
          if (!validation) idempotency.set(idempotencyKey, { fingerprint, status: apiErr.status, body: errorBody, requestId });
          return send(apiErr.status, errorBody, extra);
        }
      }
      try {
        send(200, JSON.stringify(route(method, url.pathname, params, null, requestId), null, 2));
      } catch (err) {
        if (err instanceof ApiError) return sendError(err);
        sendError(new ApiError(500, { type: "api_error", message: "An unknown error occurred" }));
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (options.catalog) seed(options.catalog);
  if (options.delivery?.redeliverBacklogWithinMs !== undefined) redeliverBacklog(options.delivery.redeliverBacklogWithinMs);
  const primary = [...store.webhook_endpoint.values()].find((e) => e.status === "enabled");

  return {
    url: baseUrl,
    secretKey,
    endpointSecrets,
    primaryEndpoint: primary ? { id: primary.id, secret: endpointSecrets[primary.id] } : { id: "", secret: "" },
    deliveries,
    attempts,
    endpoints: () => [...store.webhook_endpoint.values()].map((e) => ({ id: e.id, url: e.url, status: e.status, secret: endpointSecrets[e.id] })),
    all: (kind) => [...store[kind].values()].sort((a, b) => b.created - a.created || order.get(b.id)! - order.get(a.id)!).map(clone),
    async stop() {
      stopped = true;
      for (const t of retryTimers) clearTimeout(t);
      retryTimers.clear();
      await Promise.allSettled([...pendingDeliveries]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
