import http from "node:http";
import type { AddressInfo } from "node:net";
import { matchesTransaction, TransactionStore, type DurationOp, type SentryTransaction } from "./sandbox-transactions";

export type { SentryTransaction } from "./sandbox-transactions";

/**
 * A local server answering like Sentry's web API for one org and project: GET /api/0/projects/{org}/{project}/,
 * /api/0/organizations/{org}/events-stats/ (count() in 1-minute buckets, `event.type:` and `transaction:` in the
 * query), /api/0/organizations/{org}/events/ over stored transactions (count(), failure_count(), failure_rate(),
 * p95() / p95(transaction.duration), count_if(transaction.duration,…,ms); `transaction:` in the query; start and
 * end, or statsPeriod), /api/0/projects/{org}/{project}/issues/ (`is:unresolved`, `firstSeen:>`). Transactions are
 * counted from running totals (TransactionStore), never by listing them. Errors in Sentry's shape
 * (`{"detail": …}`); `rateLimit(n, s)` answers the next n requests 429 with Retry-After and X-Sentry-Rate-Limit-Reset.
 */
export interface SentryEvent {
  at: number;
  transaction: string;
  issueId: string;
}

export interface IssueSeed {
  id: string;
  shortId: string;
  title: string;
  culprit: string;
  level?: string;
  status?: "unresolved" | "resolved";
}

export interface SentrySandbox {
  url: string;
  token: string;
  org: string;
  project: string;
  /** Error events in [from, to), optionally for one transaction: what the probes must show. */
  count(from: number, to: number, transaction?: string): number;
  rateLimit(requests: number, retryAfterSec: number): void;
  /** Stores one transaction as the SDK would send it (the demo shop's real requests). */
  record(t: SentryTransaction): void;
  /** The stored transactions, after the traffic up to now has been added. */
  transactions(): TransactionStore;
  requests: string[];
  stop(): Promise<void>;
}

export async function startSentrySandbox(opts: {
  token?: string;
  org?: string;
  project?: string;
  issues: IssueSeed[];
  /** The events in a time range (seeded list, or the demo shop's generator). */
  events: (from: number, to: number) => SentryEvent[];
  /** Transactions stored from the start, for the Discover query; default none. */
  transactions?: Iterable<SentryTransaction>;
  /**
   * Traffic that goes on: each whole minute from `from` up to now is stored once it has passed
   * (`minute(m)` gives the transactions of the minute starting at m).
   */
  traffic?: { from: number; minute: (m: number) => SentryTransaction[] };
  now?: () => number;
  /** The token's scopes, as the API root reports them (default: what the plugin needs). */
  scopes?: string[];
}): Promise<SentrySandbox> {
  const token = opts.token ?? "sntrys_sandbox_token_0001";
  const org = opts.org ?? "shop";
  const project = opts.project ?? "shop-web";
  const now = opts.now ?? Date.now;
  const projectId = "4507000000000001";
  let limited = { left: 0, retryAfter: 0 };
  const requests: string[] = [];

  const matches = matchesTransaction;
  const store = new TransactionStore();
  if (opts.transactions) store.addAll(opts.transactions);
  let trafficUntil = opts.traffic ? Math.floor(opts.traffic.from / 60_000) * 60_000 : 0;
  /** Adds the traffic's minutes that have passed by now. */
  const stored = () => {
    if (opts.traffic) {
      const until = Math.floor(now() / 60_000) * 60_000;
      for (; trafficUntil < until; trafficUntil += 60_000) store.addAll(opts.traffic.minute(trafficUntil));
    }
    return store;
  };
  const count = (from: number, to: number, transaction?: string) => opts.events(from, Math.min(to, now())).filter((e) => e.at >= from && e.at < to && (!transaction || matches(transaction, e.transaction))).length;

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (limited.left > 0) {
      limited.left--;
      return send(res, 429, { detail: "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds" }, {
        "retry-after": String(limited.retryAfter),
        "x-sentry-rate-limit-reset": String(Math.ceil(now() / 1000) + limited.retryAfter),
        "x-sentry-rate-limit-limit": "40",
        "x-sentry-rate-limit-remaining": "0",
      });
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { detail: "Invalid token" });
    const p = url.pathname;
    const q = url.searchParams;
    if (p === "/api/0/") return send(res, 200, { version: "0", auth: { scopes: opts.scopes ?? ["org:read", "project:read", "event:read"] }, user: null });
    if (p === `/api/0/projects/${org}/${project}/`) return send(res, 200, { id: projectId, slug: project, name: project, platform: "javascript-nextjs" });
    if (p === `/api/0/organizations/${org}/events-stats/`) {
      if (q.get("project") && q.get("project") !== projectId) return send(res, 403, { detail: "You do not have permission to perform this action." });
      const start = Date.parse(q.get("start") ?? "");
      const end = Date.parse(q.get("end") ?? "");
      if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return send(res, 400, { detail: "start and end are required ISO dates" });
      if (q.get("interval") !== "1m") return send(res, 400, { detail: "the sandbox answers interval=1m only" });
      const query = q.get("query") ?? "";
      const tx = /transaction:"((?:[^"\\]|\\.)*)"/.exec(query)?.[1]?.replace(/\\"/g, '"') ?? /transaction:(\S+)/.exec(query)?.[1];
      const bucket0 = Math.floor(start / 60_000) * 60_000;
      const data: [number, { count: number }[]][] = [];
      const events = opts.events(start, Math.min(end, now())).filter((e) => e.at >= start && e.at < end && (!tx || matches(tx, e.transaction)));
      for (let b = bucket0; b < end; b += 60_000) data.push([b / 1000, [{ count: events.filter((e) => e.at >= b && e.at < b + 60_000).length }]]);
      return send(res, 200, { data, start: bucket0 / 1000, end: Math.ceil(end / 60_000) * 60, isMetricsData: false });
    }
    if (p === `/api/0/organizations/${org}/events/`) {
      if (q.get("project") && q.get("project") !== projectId) return send(res, 403, { detail: "You do not have permission to perform this action." });
      const period = q.get("statsPeriod");
      const periodMs = period ? /^(\d+)([mhdw])$/.exec(period) : null;
      if (period && !periodMs) return send(res, 400, { detail: `Invalid statsPeriod: ${period}` });
      if (period && (q.has("start") || q.has("end"))) return send(res, 400, { detail: "statsPeriod cannot be combined with start and end" });
      const end = periodMs ? now() : Date.parse(q.get("end") ?? "");
      const start = periodMs ? end - Number(periodMs[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[periodMs[2] as "m"] : Date.parse(q.get("start") ?? "");
      if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return send(res, 400, { detail: "either statsPeriod or start and end are required" });
      const query = q.get("query") ?? "";
      if (!/event\.type:transaction/.test(query)) return send(res, 400, { detail: "the sandbox answers event.type:transaction queries only" });
      const tx = /transaction:"((?:[^"\\]|\\.)*)"/.exec(query)?.[1]?.replace(/\\"/g, '"') ?? /transaction:(\S+)/.exec(query)?.[1];
      const fields = q.getAll("field");
      if (!fields.length) return send(res, 400, { detail: "No columns selected" });
      const txs = stored();
      const last = Math.min(end, now());
      const row: Record<string, number | null> = {};
      const meta: Record<string, string> = {};
      for (const f of fields) {
        const ci = /^count_if\(transaction\.duration,(less|lessOrEquals|greater|greaterOrEquals|equals|notEquals),(\d+(?:\.\d+)?)\)$/.exec(f);
        if (f === "count()") row[f] = txs.count(start, last, tx);
        else if (f === "failure_count()") row[f] = txs.failures(start, last, tx);
        else if (f === "failure_rate()") {
          const n = txs.count(start, last, tx);
          row[f] = n ? txs.failures(start, last, tx) / n : 0;
        } else if (f === "p95()" || f === "p95(transaction.duration)") row[f] = txs.percentile(start, last, 0.95, tx);
        else if (ci) row[f] = txs.countIf(start, last, ci[1] as DurationOp, Number(ci[2]), tx);
        else return send(res, 400, { detail: `Unknown field: ${f}` });
        meta[f] = f.startsWith("p95(") ? "duration" : f === "failure_rate()" ? "percentage" : "integer";
      }
      return send(res, 200, { data: [row], meta: { fields: meta, isMetricsData: false } });
    }
    if (p === `/api/0/projects/${org}/${project}/issues/`) {
      const query = q.get("query") ?? "";
      const firstSeenAfter = /firstSeen:>=?(\S+)/.exec(query)?.[1];
      const after = firstSeenAfter ? Date.parse(firstSeenAfter) : -Infinity;
      const t = now();
      const events = opts.events(t - 24 * 3_600_000, t);
      const rows = opts.issues
        .map((i) => {
          const mine = events.filter((e) => e.issueId === i.id);
          if (!mine.length) return null;
          const first = Math.min(...mine.map((e) => e.at));
          const last = Math.max(...mine.map((e) => e.at));
          return {
            id: i.id,
            shortId: i.shortId,
            title: i.title,
            culprit: i.culprit,
            level: i.level ?? "error",
            status: i.status ?? "unresolved",
            permalink: `http://${req.headers.host}/organizations/${org}/issues/${i.id}/`,
            count: String(mine.length),
            userCount: Math.ceil(mine.length / 3),
            firstSeen: new Date(first).toISOString(),
            lastSeen: new Date(last).toISOString(),
            project: { id: projectId, slug: project },
          };
        })
        .filter((r): r is NonNullable<typeof r> => !!r)
        .filter((r) => (!/is:unresolved/.test(query) || r.status === "unresolved") && Date.parse(r.firstSeen) > after)
        .sort((a, b) => Number(b.count) - Number(a.count))
        .slice(0, Number(q.get("limit") ?? 25));
      return send(res, 200, rows);
    }
    return send(res, 404, { detail: "The requested resource does not exist" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    org,
    project,
    count,
    rateLimit(n, s) {
      limited = { left: n, retryAfter: s };
    },
    record: (t) => store.add(t),
    transactions: stored,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Issues the demo shop throws: background noise, and the webhook error the faulty release brought. */
export const SHOP_ISSUES: IssueSeed[] = [
  { id: "5101", shortId: "SHOP-WEB-1A", title: "TypeError: Cannot read properties of undefined (reading 'metadata')", culprit: "POST /api/stripe/webhook" },
  { id: "5102", shortId: "SHOP-WEB-17", title: "FirebaseError: Quota exceeded for quota metric 'Read requests'", culprit: "GET /api/orders" },
  { id: "5103", shortId: "SHOP-WEB-12", title: "AbortError: The operation was aborted (HMRC API)", culprit: "GET /api/hmrc/health" },
  { id: "5104", shortId: "SHOP-WEB-19", title: "CardError: Your card was declined", culprit: "POST /api/checkout" },
];

/**
 * The demo shop's errors, minute by minute: a little background noise, and while a faulty release
 * serves production 7 webhook errors a minute. `faultyAt(t)` says whether the faulty one served at t.
 */
export function shopEvents(faultyAt: (t: number) => boolean) {
  return (from: number, to: number): SentryEvent[] => {
    const out: SentryEvent[] = [];
    for (let m = Math.floor(from / 60_000) * 60_000; m < to; m += 60_000) {
      const n = m / 60_000;
      const add = (count: number, transaction: string, issueId: string, when: (t: number) => boolean = () => true) => {
        for (let k = 0; k < count; k++) {
          const at = m + Math.floor(((k + 0.5) * 60_000) / count);
          if (at >= from && at < to && when(at)) out.push({ at, transaction, issueId });
        }
      };
      if (n % 3 === 0) add(1, "/api/orders", "5102");
      if (n % 7 === 0) add(1, "/api/hmrc/health", "5103");
      if (n % 11 === 0) add(1, "/api/checkout", "5104");
      add(7, "/api/stripe/webhook", "5101", faultyAt);
    }
    return out;
  };
}

/** Sentry's span status for an HTTP response code, as its SDKs set it on a server transaction. */
export function spanStatusOf(httpStatus: number): string {
  if (httpStatus < 400) return "ok";
  const known: Record<number, string> = { 401: "unauthenticated", 403: "permission_denied", 404: "not_found", 409: "already_exists", 413: "failed_precondition", 429: "resource_exhausted", 499: "cancelled", 501: "unimplemented", 503: "unavailable", 504: "deadline_exceeded" };
  return known[httpStatus] ?? (httpStatus < 500 ? "invalid_argument" : "internal_error");
}

/** A deterministic pseudo-random stream (mulberry32), so a minute of traffic is the same on every read. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Request latency in ms, in the bands of the shop's Prometheus histogram (demo/shop/metrics.ts): 80 % within
 * 20–120 ms, 16 % within 100–300 ms, 4 % within 300–1200 ms, so about 3 % take longer than 500 ms.
 */
function latencyMs(u: number): number {
  if (u < 0.8) return Math.round(20 + (u / 0.8) * 100);
  if (u < 0.96) return Math.round(100 + ((u - 0.8) / 0.16) * 200);
  return Math.round(300 + ((u - 0.96) / 0.04) * 900);
}

/**
 * The demo shop's transactions, minute by minute, matching its error events (shopEvents) and its Prometheus
 * traffic: checkout 24 a minute (a declined card every 11th minute), orders 12 (Firestore's quota error every
 * 3rd), document downloads 6 (a missing file every 29th), the HMRC health check once (a 5 s timeout every
 * 7th), and Stripe's webhook 30 a minute, 7 of them failing while the faulty release serves. The webhook
 * route is served by the demo shop itself from `servedFrom` on: its real requests are recorded instead.
 */
export function shopTraffic(faultyAt: (t: number) => boolean, opts: { servedFrom?: number } = {}) {
  return (m: number): SentryTransaction[] => {
    const n = Math.floor(m / 60_000);
    const r = random(n * 7919 + 17);
    const out: SentryTransaction[] = [];
    const add = (count: number, transaction: string, status: (k: number, at: number) => string, duration?: (k: number, status: string) => number) => {
      for (let k = 0; k < count; k++) {
        const at = m + Math.floor(((k + 0.5) * 60_000) / count);
        const s = status(k, at);
        out.push({ at, transaction, status: s, durationMs: duration ? duration(k, s) : latencyMs(r()) });
      }
    };
    add(24, "/api/checkout", (k) => (k === 0 && n % 11 === 0 ? "invalid_argument" : "ok"));
    add(12, "/api/orders", (k) => (k === 0 && n % 3 === 0 ? "internal_error" : "ok"));
    add(6, "/api/documents/:id/download", (k) => (k === 0 && n % 29 === 0 ? "not_found" : "ok"));
    add(1, "/api/hmrc/health", () => (n % 7 === 0 ? "deadline_exceeded" : "ok"), (_k, s) => (s === "ok" ? latencyMs(r()) : 5000));
    const served = opts.servedFrom ?? Infinity;
    if (m < served) add(30, "/api/stripe/webhook", (k, at) => (k < 7 && faultyAt(at) ? "internal_error" : "ok"));
    return m + 60_000 <= served ? out : out.filter((t) => t.transaction !== "/api/stripe/webhook" || t.at < served);
  };
}
