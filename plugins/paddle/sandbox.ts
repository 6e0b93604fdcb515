// A local server that answers like Paddle Billing's API for the endpoints the plugin uses
// (notifications and their logs and replay, notification settings, subscriptions), with Paddle's
// error bodies, and that really delivers notifications: signed `ts=…;h1=…` with the destination's
// endpoint secret, to the destination URL. Retries are compressed: a delivery that fails is tried
// `maxAttempts` times at once (Paddle spreads them over days), then the notification is `failed`.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface SandboxDestination {
  id: string;
  description: string;
  destination: string;
  active: boolean;
  /** The secret Paddle signs with now (the receiver may still hold an older one). */
  endpointSecretKey: string;
  subscribedEvents: string[];
  trafficSource: "platform" | "simulation" | "all";
}

interface SandboxNotification {
  id: string;
  type: string;
  status: "not_attempted" | "needs_retry" | "delivered" | "failed";
  payload: Record<string, unknown>;
  occurred_at: string;
  delivered_at: string | null;
  replayed_at: string | null;
  origin: "event" | "replay";
  last_attempt_at: string | null;
  retry_at: string | null;
  times_attempted: number;
  notification_setting_id: string;
}

interface SandboxLog {
  id: string;
  response_code: number;
  response_content_type: string | null;
  response_body: string;
  attempted_at: string;
}

export interface SandboxSubscription {
  id: string;
  status: "active" | "canceled" | "past_due" | "paused" | "trialing";
  customer_id: string;
  currency_code?: string;
  next_billed_at?: string | null;
}

/** A subscription or transaction as Paddle's API and webhooks carry it (the fields the SDK reads). */
export function paddleEntity(kind: "subscription" | "transaction", data: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  const common = { currency_code: "EUR", collection_mode: "automatic", billing_details: null, custom_data: null, created_at: now, updated_at: now, items: [], ...data };
  if (kind === "subscription") {
    return {
      address_id: "add_01shopaddress0000000000001",
      business_id: null,
      started_at: now,
      first_billed_at: now,
      next_billed_at: null,
      paused_at: null,
      canceled_at: null,
      discount: null,
      current_billing_period: null,
      billing_cycle: { interval: "month", frequency: 1 },
      scheduled_change: null,
      management_urls: null,
      import_meta: null,
      ...common,
    };
  }
  return { origin: "subscription_recurring", billing_period: null, payments: [], checkout: null, details: null, invoice_id: null, invoice_number: null, billed_at: now, ...common };
}

export interface PaddleSandbox {
  url: string;
  apiKey: string;
  destinations: SandboxDestination[];
  /** Creates an event notification for every active destination subscribed to it, and delivers it. */
  emit(eventType: string, data: Record<string, unknown>, opts?: { only?: string; attempts?: number }): Promise<string[]>;
  addSubscription(sub: SandboxSubscription): void;
  notification(id: string): SandboxNotification | undefined;
  stop(): Promise<void>;
}

const id = (prefix: string) => `${prefix}_01${crypto.randomBytes(12).toString("hex").slice(0, 24)}`;

export function signPaddle(body: string, secret: string, ts = Math.floor(Date.now() / 1000)): string {
  const h1 = crypto.createHmac("sha256", secret).update(`${ts}:${body}`).digest("hex");
  return `ts=${ts};h1=${h1}`;
}

function paddleError(status: number, type: string, code: string, detail: string) {
  return {
    status,
    body: {
      error: { type, code, detail, documentation_url: `https://developer.paddle.com/errors/${code.startsWith("notification") ? "notifications" : "shared"}/${code}` },
      meta: { request_id: crypto.randomUUID() },
    },
  };
}

export async function startPaddleSandbox(opts: {
  apiKey?: string;
  destinations: SandboxDestination[];
  maxAttempts?: number;
  host?: string;
}): Promise<PaddleSandbox> {
  const apiKey = opts.apiKey ?? `pdl_sdbx_apikey_${crypto.randomBytes(16).toString("hex")}`;
  const maxAttempts = opts.maxAttempts ?? 3;
  const notifications: SandboxNotification[] = [];
  const logs = new Map<string, SandboxLog[]>();
  const subscriptions: (Record<string, unknown> & { id: string; status: string })[] = [];
  const destinations = opts.destinations;
  let baseUrl = "";

  async function deliverOnce(n: SandboxNotification): Promise<boolean> {
    const dest = destinations.find((d) => d.id === n.notification_setting_id);
    if (!dest) return false;
    const body = JSON.stringify({ ...n.payload, notification_id: n.id });
    const now = new Date().toISOString();
    let code = 0;
    let contentType: string | null = null;
    let text = "";
    try {
      const res = await fetch(dest.destination, {
        method: "POST",
        headers: { "content-type": "application/json", "paddle-signature": signPaddle(body, dest.endpointSecretKey) },
        body,
        signal: AbortSignal.timeout(5000),
      });
      code = res.status;
      contentType = res.headers.get("content-type");
      text = (await res.text()).slice(0, 2000);
    } catch (err) {
      text = err instanceof Error ? err.message : String(err);
    }
    logs.get(n.id)!.unshift({ id: id("ntflog"), response_code: code, response_content_type: contentType, response_body: text, attempted_at: now });
    n.times_attempted += 1;
    n.last_attempt_at = now;
    const ok = code >= 200 && code < 300;
    if (ok) {
      n.status = "delivered";
      n.delivered_at = now;
      n.retry_at = null;
    }
    return ok;
  }

  /** Tries `attempts` times; short of Paddle's last attempt the notification waits as `needs_retry`. */
  async function deliver(n: SandboxNotification, attempts = maxAttempts): Promise<void> {
    for (let i = 0; i < attempts; i++) if (await deliverOnce(n)) return;
    if (n.times_attempted >= maxAttempts) {
      n.status = "failed";
      n.retry_at = null;
    } else {
      n.status = "needs_retry";
      n.retry_at = new Date(Date.now() + 15 * 60_000).toISOString();
    }
  }

  function create(type: string, payload: Record<string, unknown>, settingId: string, origin: "event" | "replay", occurredAt: string): SandboxNotification {
    const n: SandboxNotification = {
      id: id("ntf"),
      type,
      status: "not_attempted",
      payload,
      occurred_at: occurredAt,
      delivered_at: null,
      replayed_at: null,
      origin,
      last_attempt_at: null,
      retry_at: null,
      times_attempted: 0,
      notification_setting_id: settingId,
    };
    notifications.unshift(n);
    logs.set(n.id, []);
    return n;
  }

  function page<T extends { id: string }>(rows: T[], q: URLSearchParams, path: string) {
    const perPage = Math.min(Math.max(Number(q.get("per_page") ?? 50) || 50, 1), 200);
    const after = q.get("after");
    let start = 0;
    if (after) {
      const i = rows.findIndex((r) => r.id === after);
      start = i < 0 ? rows.length : i + 1;
    }
    const slice = rows.slice(start, start + perPage);
    const hasMore = start + perPage < rows.length;
    const next = new URLSearchParams(q);
    if (slice.length) next.set("after", slice[slice.length - 1]!.id);
    return {
      status: 200,
      body: {
        data: slice,
        meta: {
          request_id: crypto.randomUUID(),
          pagination: { per_page: perPage, next: `${baseUrl}${path}?${next.toString()}`, has_more: hasMore, estimated_total: rows.length },
        },
      },
    };
  }

  const list = (v: string | null) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : null);

  async function handle(method: string, url: URL, auth: string | undefined): Promise<{ status: number; body: unknown }> {
    if (!auth) return paddleError(403, "request_error", "authentication_missing", "Authentication header missing.");
    const m = /^bearer\s+(\S+)$/i.exec(auth);
    if (!m) return paddleError(403, "request_error", "authentication_malformed", "Authentication header included, but incorrectly formatted.");
    if (m[1] !== apiKey) return paddleError(403, "request_error", "invalid_token", "Invalid or revoked API key.");
    const q = url.searchParams;
    const p = url.pathname;
    if (method === "GET" && p === "/notifications") {
      const statuses = list(q.get("status"));
      const settings = list(q.get("notification_setting_id"));
      const from = q.get("from");
      const to = q.get("to");
      const rows = notifications.filter(
        (n) =>
          (!statuses || statuses.includes(n.status)) &&
          (!settings || settings.includes(n.notification_setting_id)) &&
          (!from || n.occurred_at >= new Date(from).toISOString()) &&
          (!to || n.occurred_at < new Date(to).toISOString()),
      );
      return page(rows.map(withPayload), q, p);
    }
    let mm = /^\/notifications\/([^/]+)(\/logs|\/replay)?$/.exec(p);
    if (mm) {
      const n = notifications.find((x) => x.id === mm![1]);
      if (!n) return paddleError(404, "request_error", "not_found", `Entity ${mm[1]} not found`);
      if (!mm[2] && method === "GET") return { status: 200, body: { data: withPayload(n), meta: { request_id: crypto.randomUUID() } } };
      if (mm[2] === "/logs" && method === "GET") return page(logs.get(n.id) ?? [], q, p);
      if (mm[2] === "/replay" && method === "POST") {
        if (n.origin !== "event")
          return paddleError(400, "request_error", "notification_replay_invalid_origin_type", "Notification cannot be replayed. Only notifications with origin 'event' can be replayed.");
        if (n.status !== "delivered" && n.status !== "failed")
          return paddleError(400, "request_error", "notification_cannot_replay", `Notification cannot be replayed while its status is '${n.status}'. Only delivered or failed notifications can be replayed.`);
        const copy = create(n.type, n.payload, n.notification_setting_id, "replay", n.occurred_at);
        n.replayed_at = new Date().toISOString();
        // Paddle answers 202 at once and delivers afterwards.
        setTimeout(() => void deliver(copy), 10);
        return { status: 202, body: { data: { notification_id: copy.id }, meta: { request_id: crypto.randomUUID() } } };
      }
      return paddleError(405, "request_error", "method_not_allowed", `${method} is not allowed on ${p}`);
    }
    if (method === "GET" && p === "/notification-settings") {
      const active = q.get("active");
      const rows = destinations
        .filter((d) => active === null || String(d.active) === active)
        .map((d) => ({
          id: d.id,
          description: d.description,
          type: "url",
          destination: d.destination,
          active: d.active,
          api_version: 1,
          include_sensitive_fields: false,
          traffic_source: d.trafficSource,
          subscribed_events: d.subscribedEvents.map((name) => ({ name, description: name, group: name.split(".")[0], available_versions: [1] })),
          endpoint_secret_key: d.endpointSecretKey,
        }));
      return { status: 200, body: { data: rows, meta: { request_id: crypto.randomUUID() } } };
    }
    if (method === "GET" && p === "/subscriptions") {
      const statuses = list(q.get("status"));
      return page(subscriptions.filter((x) => !statuses || statuses.includes(x.status)), q, p);
    }
    return paddleError(404, "request_error", "not_found", `No route for ${method} ${p}`);
  }

  function withPayload(n: SandboxNotification) {
    return { ...n, payload: { ...n.payload, notification_id: n.id } };
  }

  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://sandbox");
      handle(req.method ?? "GET", url, req.headers.authorization)
        .then(({ status, body }) => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        })
        .catch((err) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify(paddleError(500, "api_error", "internal_error", String(err)).body));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, opts.host ?? "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    apiKey,
    destinations,
    async emit(eventType, data, o) {
      const occurredAt = new Date().toISOString();
      const eventId = id("evt");
      const created: SandboxNotification[] = [];
      for (const d of destinations) {
        if (!d.active || !d.subscribedEvents.includes(eventType) || (o?.only && o.only !== d.id)) continue;
        const kind = eventType.startsWith("subscription.") ? "subscription" : "transaction";
        created.push(create(eventType, { event_id: eventId, event_type: eventType, occurred_at: occurredAt, data: paddleEntity(kind, data) }, d.id, "event", occurredAt));
      }
      await Promise.all(created.map((n) => deliver(n, o?.attempts)));
      return created.map((n) => n.id);
    },
    addSubscription(sub) {
      subscriptions.push(paddleEntity("subscription", { ...sub }) as Record<string, unknown> & { id: string; status: string });
    },
    notification: (nid) => notifications.find((n) => n.id === nid),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
