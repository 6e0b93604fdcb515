// The only file that holds the Stripe SDK and the secret key. Probes and actions get a
// StripeGateway: the calls they need, with Stripe's errors mapped to readable messages that
// never carry the key.
import Stripe from "stripe";
import { UpstreamError, type TextScrubber } from "../plugin-api";
import type { StripeConfig } from "./config";

export type PaymentIntent = Stripe.PaymentIntent;
export type Charge = Stripe.Charge;
export type Refund = Stripe.Refund;
export type StripeEvent = Stripe.Event;
export type WebhookEndpoint = Stripe.WebhookEndpoint;
export type Dispute = Stripe.Dispute;
export type Transfer = Stripe.Transfer;

/**
 * An error from Stripe (or on the way to it), in the operator's words: the family's
 * `UpstreamError` with Stripe's status as `providerStatus` (502 when there is none; 499 for a
 * cancelled call). Never holds the key.
 */
export class StripeFailure extends UpstreamError {
  readonly code?: string;
  readonly param?: string;
  constructor(message: string, opts: { status?: number; code?: string; param?: string; fieldErrors?: Record<string, string[]> } = {}) {
    super(message, { providerStatus: opts.status ?? 502, fieldErrors: opts.fieldErrors });
    this.code = opts.code;
    this.param = opts.param;
  }
}

const KEY_PATTERN = /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9*_]+/g;
const WHSEC_PATTERN = /\bwhsec_[A-Za-z0-9*_]+/g;

/**
 * Text from Stripe or a webhook endpoint goes through the portal's scrubber (every configured
 * secret and its derived forms), then through Stripe's key shapes: the portal cannot know a key
 * it was never given (Stripe echoes a wrong or foreign key in "Invalid API Key provided: sk_…").
 */
export function scrubStripeText(text: string, scrubber?: TextScrubber): string {
  const out = scrubber ? scrubber.text(text) : text;
  return out.replace(KEY_PATTERN, "[redacted]").replace(WHSEC_PATTERN, "[redacted]");
}

/** Maps anything thrown by the SDK to a StripeFailure with a readable, key-free message. */
export function describeStripeError(err: unknown, scrubber?: TextScrubber): StripeFailure {
  if (err instanceof StripeFailure) return err;
  if (err instanceof Stripe.errors.StripeError) {
    const raw = scrubStripeText(err.message ?? "", scrubber);
    const opts = { status: err.statusCode ?? 502, code: err.code, param: err.param };
    switch (err.type) {
      case "StripeAuthenticationError":
        return new StripeFailure("authentication failed", { ...opts, status: 401 });
      case "StripePermissionError":
        // Stripe names the missing permission of a restricted key ("Having the 'rak_…' permission would allow…").
        return new StripeFailure(`permission denied: the key may not read or change this resource${raw ? ` (Stripe: ${raw})` : ""}`, { ...opts, status: 403 });
      case "StripeRateLimitError":
        return new StripeFailure("rate limited by Stripe; try again shortly", { ...opts, status: 429 });
      case "StripeIdempotencyError":
        return new StripeFailure("idempotency key already used with different parameters", { ...opts, status: 409 });
      case "StripeConnectionError":
        return new StripeFailure("could not reach Stripe", { ...opts, status: 502 });
      case "StripeAPIError":
        return new StripeFailure(`Stripe API error${raw ? `: ${raw}` : ""}`, { ...opts, status: 502 });
      case "StripeCardError":
      case "StripeInvalidRequestError":
        return new StripeFailure(`Stripe rejected the request: ${raw}`, {
          ...opts,
          fieldErrors: err.param ? { [err.param]: [raw] } : undefined,
        });
      default:
        return new StripeFailure(`Stripe error: ${raw}`, opts);
    }
  }
  if (err instanceof Error && err.name === "AbortError") return new StripeFailure("request to Stripe was cancelled", { status: 499 });
  const text = err instanceof Error ? err.message : String(err);
  return new StripeFailure(`Stripe request failed: ${scrubStripeText(text, scrubber)}`);
}

export interface ListWindow {
  /** Epoch seconds, inclusive. */
  since?: number;
  /** Epoch seconds, exclusive. */
  until?: number;
}

/** Most objects one list call collects; reconciliation says so when a window reaches it. */
export const LIST_CAP = 2000;

/** The Stripe calls the plugin makes. Created once per plugin instance from validated config. */
export class StripeGateway {
  readonly account: string;
  readonly livemode: boolean;
  readonly #stripe: Stripe;
  readonly #key: string;
  readonly #config: StripeConfig;
  readonly #scrubber?: TextScrubber;

  /** `scrubber`: the portal's (the setup and doctor contexts hand it over); unit tests may leave it out. */
  constructor(config: StripeConfig, scrubber?: TextScrubber) {
    this.#config = config;
    this.#scrubber = scrubber;
    this.#key = config.secretKey;
    this.account = config.account;
    this.livemode = config.secretKey.includes("_live_");
    const options: Stripe.StripeConfig = { maxNetworkRetries: 0, telemetry: false, timeout: 20_000 };
    if (config.apiBase) {
      const url = new URL(config.apiBase);
      options.host = url.hostname;
      options.port = url.port || (url.protocol === "https:" ? 443 : 80);
      options.protocol = url.protocol === "https:" ? "https" : "http";
    }
    this.#stripe = new Stripe(this.#key, options);
  }

  /** Runs one SDK call; anything thrown comes out as a key-free StripeFailure. */
  async #call<T>(fn: (stripe: Stripe) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new StripeFailure("request to Stripe was cancelled", { status: 499 });
    try {
      if (!signal) return await fn(this.#stripe);
      return await new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(new StripeFailure("request to Stripe was cancelled", { status: 499 }));
        signal.addEventListener("abort", onAbort, { once: true });
        fn(this.#stripe).then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
      });
    } catch (err) {
      throw describeStripeError(err, this.#scrubber);
    }
  }

  #created(w: ListWindow): Stripe.RangeQueryParam | undefined {
    if (w.since === undefined && w.until === undefined) return undefined;
    const r: Stripe.RangeQueryParam = {};
    if (w.since !== undefined) r.gte = Math.floor(w.since);
    if (w.until !== undefined) r.lt = Math.ceil(w.until);
    return r;
  }

  /** The account the key belongs to (the doctor's first call). */
  retrieveAccount(signal?: AbortSignal): Promise<Stripe.Account> {
    return this.#call((s) => s.accounts.retrieve(null), signal);
  }

  listWebhookEndpoints(signal?: AbortSignal): Promise<WebhookEndpoint[]> {
    return this.#call((s) => s.webhookEndpoints.list({ limit: 100 }).autoPagingToArray({ limit: LIST_CAP }), signal);
  }

  listEvents(w: ListWindow & { pendingOnly?: boolean; type?: string }, signal?: AbortSignal): Promise<StripeEvent[]> {
    const params: Stripe.EventListParams = { limit: 100, created: this.#created(w) };
    if (w.pendingOnly) params.delivery_success = false;
    if (w.type) params.type = w.type;
    return this.#call((s) => s.events.list(params).autoPagingToArray({ limit: LIST_CAP }), signal);
  }

  listCharges(w: ListWindow & { paymentIntent?: string }, signal?: AbortSignal): Promise<Charge[]> {
    const params: Stripe.ChargeListParams = { limit: 100, created: this.#created(w) };
    if (w.paymentIntent) params.payment_intent = w.paymentIntent;
    return this.#call((s) => s.charges.list(params).autoPagingToArray({ limit: LIST_CAP }), signal);
  }

  listPaymentIntents(w: ListWindow, signal?: AbortSignal): Promise<PaymentIntent[]> {
    const params: Stripe.PaymentIntentListParams = { limit: 100, created: this.#created(w), expand: ["data.latest_charge"] };
    return this.#call((s) => s.paymentIntents.list(params).autoPagingToArray({ limit: LIST_CAP }), signal);
  }

  listDisputes(w: ListWindow & { paymentIntent?: string }, signal?: AbortSignal): Promise<Dispute[]> {
    const params: Stripe.DisputeListParams = { limit: 100, created: this.#created(w) };
    if (w.paymentIntent) params.payment_intent = w.paymentIntent;
    return this.#call((s) => s.disputes.list(params).autoPagingToArray({ limit: LIST_CAP }), signal);
  }

  listRefunds(w: ListWindow & { paymentIntent?: string }, signal?: AbortSignal): Promise<Refund[]> {
    const params: Stripe.RefundListParams = { limit: 100, created: this.#created(w) };
    if (w.paymentIntent) params.payment_intent = w.paymentIntent;
    return this.#call((s) => s.refunds.list(params).autoPagingToArray({ limit: LIST_CAP }), signal);
  }

  listTransfers(w: ListWindow & { transferGroup?: string }, signal?: AbortSignal): Promise<Transfer[]> {
    const params: Stripe.TransferListParams = { limit: 100, created: this.#created(w) };
    if (w.transferGroup) params.transfer_group = w.transferGroup;
    return this.#call((s) => s.transfers.list(params).autoPagingToArray({ limit: LIST_CAP }), signal);
  }

  /** A payment intent with its latest charge expanded; null when Stripe has no such object. */
  async findPaymentIntent(id: string, signal?: AbortSignal): Promise<PaymentIntent | null> {
    try {
      return await this.#call((s) => s.paymentIntents.retrieve(id, { expand: ["latest_charge"] }), signal);
    } catch (err) {
      if (err instanceof StripeFailure && err.code === "resource_missing") return null;
      throw err;
    }
  }

  /**
   * The payment intent a charge, refund or dispute belongs to (`ch_…`, `re_…`, `dp_…`); a `pi_…`
   * id is its own. Null when Stripe has no such object or it belongs to no payment intent.
   */
  async paymentIntentOf(id: string, signal?: AbortSignal): Promise<string | null> {
    if (id.startsWith("pi_")) return id;
    const ref = (v: unknown) => (typeof v === "string" ? v : v && typeof v === "object" && "id" in v ? String((v as { id: unknown }).id) : null);
    try {
      if (id.startsWith("ch_")) return ref((await this.#call((s) => s.charges.retrieve(id), signal)).payment_intent);
      if (id.startsWith("re_")) return ref((await this.#call((s) => s.refunds.retrieve(id), signal)).payment_intent);
      if (id.startsWith("dp_")) return ref((await this.#call((s) => s.disputes.retrieve(id), signal)).payment_intent);
      return null;
    } catch (err) {
      if (err instanceof StripeFailure && err.code === "resource_missing") return null;
      throw err;
    }
  }

  retrieveEvent(id: string, signal?: AbortSignal): Promise<StripeEvent> {
    return this.#call((s) => s.events.retrieve(id), signal);
  }

  retrieveWebhookEndpoint(id: string, signal?: AbortSignal): Promise<WebhookEndpoint> {
    return this.#call((s) => s.webhookEndpoints.retrieve(id), signal);
  }

  /** Creates a refund; the idempotency key makes a repeated call return the first refund. */
  createRefund(
    params: { paymentIntent: string; amount: number; reason?: Stripe.RefundCreateParams.Reason; metadata?: Record<string, string> },
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<Refund> {
    return this.#call(
      (s) =>
        s.refunds.create(
          { payment_intent: params.paymentIntent, amount: params.amount, reason: params.reason, metadata: params.metadata },
          { idempotencyKey },
        ),
      signal,
    );
  }

  /**
   * The signing secret for one endpoint. Stripe returns an endpoint's secret only when the
   * endpoint is created, so it comes from config: `endpointSecrets[we_…]`, else `webhookSecret`.
   */
  hasEndpointSecret(endpointId: string): boolean {
    return Boolean(this.#config.endpointSecrets?.[endpointId] ?? this.#config.webhookSecret);
  }

  /**
   * Re-delivers an event to an endpoint URL as Stripe would: the event JSON, signed with the
   * endpoint's secret in a `Stripe-Signature` header. Returns the endpoint's answer.
   */
  async deliverEvent(
    event: StripeEvent,
    endpoint: WebhookEndpoint,
    signal?: AbortSignal,
  ): Promise<{ status: number; ok: boolean; body: string; ms: number }> {
    const secret = this.#config.endpointSecrets?.[endpoint.id] ?? this.#config.webhookSecret;
    if (!secret) throw new StripeFailure(`no signing secret configured for ${endpoint.id}`, { status: 400, code: "no_secret" });
    const payload = JSON.stringify(event, null, 2);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    const started = Date.now();
    let res: Response;
    try {
      res = await fetch(endpoint.url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": header, "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) opsdeck-resend" },
        body: payload,
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(15_000)]) : AbortSignal.timeout(15_000),
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new StripeFailure(`could not reach ${endpoint.url}: ${scrubStripeText(why, this.#scrubber)}`, { status: 502 });
    }
    const body = scrubStripeText((await res.text()).slice(0, 500), this.#scrubber);
    return { status: res.status, ok: res.ok, body, ms: Date.now() - started };
  }

  /** Dashboard link for a Stripe object id (test or live mode by key). */
  dashboardLink(path: string): string {
    return `https://dashboard.stripe.com/${this.livemode ? "" : "test/"}${path}`;
  }
}

/** Verifies an incoming webhook payload with the SDK's own check; throws on a bad signature. */
export function verifyWebhookSignature(payload: string | Buffer, header: string, secret: string): StripeEvent {
  return Stripe.webhooks.constructEvent(payload, header, secret);
}

/** Signs a payload the way Stripe does (for sandboxes and tests). */
export function signWebhookPayload(payload: string, secret: string): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret });
}
