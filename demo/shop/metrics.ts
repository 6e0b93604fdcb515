import client from "prom-client";
import type { DemoWorld } from "../../plugins/plugin-api";
import type { DemoModule } from "../world";
import { SHOP_STRIPE, type ShopStripeHandle } from "./stripe-webhooks";

/** Rates per second of the shop's traffic; the trouble is in the webhook errors and refunds. */
const RATES = {
  webhookReceived: 0.5,
  /** 4% of received webhooks fail: above the seed's 2% alert line. */
  webhookErrorShare: 0.04,
  webhookRetryShare: 0.05,
  checkoutRequests: 0.4,
  checkoutFailureShare: 0.01,
  invoiceIssued: 0.1,
  invoiceFailureShare: 0.01,
  refundsBaseline: 0.004,
  /** During the spike (the last 40 minutes, and live): five times the day's baseline. */
  refundSpikeFactor: 5,
  requests: 3,
};
const SPIKE_MS = 40 * 60_000;
const HISTORY_MS = 24 * 3_600_000;
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A deterministic pseudo-random stream, so the shop's day looks the same on every start. */
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
 * Request latency in seconds: bands of (share, from, to), uniform inside each. Mostly fast, with a
 * slow tail that puts p95 a little above the seed's 300 ms line.
 */
const LATENCY_BANDS: [number, number, number][] = [
  [0.8, 0.02, 0.12],
  [0.16, 0.1, 0.3],
  [0.04, 0.3, 1.2],
];
function latency(r: () => number): number {
  let u = r();
  for (const [share, from, to] of LATENCY_BANDS) {
    if (u < share) return from + (u / share) * (to - from);
    u -= share;
  }
  return 0.3;
}
/** A minute of requests as histogram increments (count per bucket, sum) without drawing each one. */
function minuteOfRequests(n: number, r: () => number): { buckets: number[]; sum: number } {
  const jitter = 1 + (r() - 0.5) * 0.3;
  const shares = LATENCY_BANDS.map(([share]) => share * (share < 0.5 ? jitter : 1));
  const total = shares.reduce((a, b) => a + b, 0);
  const counts = shares.map((s) => (n * s) / total);
  const buckets = BUCKETS.map((le) =>
    Math.round(LATENCY_BANDS.reduce((acc, [, from, to], i) => acc + counts[i]! * Math.min(1, Math.max(0, (le - from) / (to - from))), 0)),
  );
  const sum = LATENCY_BANDS.reduce((acc, [, from, to], i) => acc + counts[i]! * ((from + to) / 2), 0);
  return { buckets, sum };
}

type Counts = Record<string, number>;

/**
 * The shop's traffic as counters: `simulate(seconds, at, mismatched)` adds a stretch of it (webhooks
 * fail at 4 % while the shop's webhook signing secret is not the endpoint's, refunds spike from
 * `spikeFrom` on) and returns the requests for the latency histogram. Deterministic from the seed.
 */
export function shopTrafficModel(opts: { spikeFrom: number; seed?: number }) {
  const r = random(opts.seed ?? 20261127);
  const counts: Counts = {};
  const add = (key: string, n: number) => (counts[key] = (counts[key] ?? 0) + n);
  /** Whole events for a rate over seconds: Poisson (Knuth) for small means, normal beyond. */
  const events = (rate: number, seconds: number) => {
    const mean = rate * seconds;
    if (mean > 30) return Math.max(0, Math.round(mean + (r() - 0.5) * 2 * Math.sqrt(3 * mean)));
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = r(); p > limit; p *= r()) k++;
    return k;
  };
  const simulate = (seconds: number, at: number, mismatched: boolean) => {
    const received = events(RATES.webhookReceived, seconds);
    const errors = mismatched ? events(RATES.webhookReceived * RATES.webhookErrorShare, seconds) : 0;
    add("wh:received", received);
    add("wh:error", errors);
    add("wh:processed", Math.max(0, received - errors));
    add("wh:retry", events(RATES.webhookReceived * RATES.webhookRetryShare, seconds));
    add("co:requests", events(RATES.checkoutRequests, seconds));
    add("co:failures", events(RATES.checkoutRequests * RATES.checkoutFailureShare, seconds));
    add("inv:success", events(RATES.invoiceIssued, seconds));
    add("inv:failure", events(RATES.invoiceIssued * RATES.invoiceFailureShare, seconds));
    const spiking = at > opts.spikeFrom;
    add("ref:success", events(RATES.refundsBaseline * (spiking ? RATES.refundSpikeFactor : 1), seconds));
    add("ref:failure", events(RATES.refundsBaseline * 0.05, seconds));
    return events(RATES.requests, seconds);
  };
  return { r, counts, simulate };
}
export type ShopTrafficModel = ReturnType<typeof shopTrafficModel>;

/**
 * The shop's past as OpenMetrics history, one point a minute over [from, to] (to included): the series
 * the demo's Prometheus loads with promtool. `mismatchedAt(t)` says whether the webhook secret was wrong
 * at t (in the demo: all the past day; a test can fix it part-way).
 */
export function shopHistory(model: ShopTrafficModel, opts: { from: number; to: number; labels: Record<string, string>; mismatchedAt: (t: number) => boolean }): string {
  const { counts, r } = model;
  const hist = { buckets: BUCKETS.map(() => 0), count: 0, sum: 0 };
  const series = new Map<string, { name: string; labels: Record<string, string>; points: [number, number][] }>();
  const point = (name: string, labels: Record<string, string>, t: number, v: number) => {
    const key = `${name}${JSON.stringify(labels)}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { name, labels: { ...opts.labels, ...labels }, points: [] }));
    s.points.push([t, Number(v.toFixed(6))]);
  };
  for (let t = opts.from; t <= opts.to; t += 60_000) {
    const ts = Math.floor(t / 1000);
    const requests = model.simulate(60, t, opts.mismatchedAt(t));
    const minute = minuteOfRequests(requests, r);
    hist.count += requests;
    hist.sum += minute.sum;
    minute.buckets.forEach((n, k) => (hist.buckets[k] += n));
    point("webhook_events_total", { provider: "stripe", status: "received" }, ts, counts["wh:received"] ?? 0);
    point("webhook_events_total", { provider: "stripe", status: "processed" }, ts, counts["wh:processed"] ?? 0);
    point("webhook_events_total", { provider: "stripe", status: "error" }, ts, counts["wh:error"] ?? 0);
    point("webhook_events_total", { provider: "stripe", status: "retry" }, ts, counts["wh:retry"] ?? 0);
    point("checkout_requests_total", {}, ts, counts["co:requests"] ?? 0);
    point("checkout_failures_total", {}, ts, counts["co:failures"] ?? 0);
    point("invoice_issue_total", { status: "success" }, ts, counts["inv:success"] ?? 0);
    point("invoice_issue_total", { status: "failure" }, ts, counts["inv:failure"] ?? 0);
    point("refund_operations_total", { status: "success" }, ts, counts["ref:success"] ?? 0);
    point("refund_operations_total", { status: "failure" }, ts, counts["ref:failure"] ?? 0);
    const hl = { method: "GET", route: "/checkout", status: "200" };
    BUCKETS.forEach((b, i) => point("http_request_duration_seconds_bucket", { ...hl, le: String(b) }, ts, hist.buckets[i]!));
    point("http_request_duration_seconds_bucket", { ...hl, le: "+Inf" }, ts, hist.count);
    point("http_request_duration_seconds_sum", hl, ts, hist.sum);
    point("http_request_duration_seconds_count", hl, ts, hist.count);
  }
  return openMetricsText([...series.values()]);
}

/**
 * The shop's Prometheus metrics with the seed's series (`http_request_duration_seconds`,
 * `webhook_events_total`, `checkout_failures_total`, `invoice_issue_total`,
 * `refund_operations_total`) on `GET /metrics`, from a registry of its own. Traffic ticks every
 * second; the past day is offered as OpenMetrics history for the demo's private Prometheus.
 */
export const shopMetrics: DemoModule = {
  id: "metrics",
  async start(world: DemoWorld) {
    const registry = new client.Registry();
    const webhooks = new client.Counter({
      name: "webhook_events_total",
      help: "Stripe webhook events by outcome",
      labelNames: ["provider", "status"] as const,
      registers: [registry],
    });
    const checkoutRequests = new client.Counter({
      name: "checkout_requests_total",
      help: "Checkout attempts",
      registers: [registry],
    });
    const checkoutFailures = new client.Counter({
      name: "checkout_failures_total",
      help: "Failed checkout attempts",
      registers: [registry],
    });
    const invoices = new client.Counter({
      name: "invoice_issue_total",
      help: "Invoice issue attempts by outcome",
      labelNames: ["status"] as const,
      registers: [registry],
    });
    const refunds = new client.Counter({
      name: "refund_operations_total",
      help: "Refund operations by outcome",
      labelNames: ["status"] as const,
      registers: [registry],
    });
    const duration = new client.Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration in seconds",
      labelNames: ["method", "route", "status"] as const,
      buckets: BUCKETS,
      registers: [registry],
    });

    new client.Gauge({
      name: "webhook_signing_secret_mismatch",
      help: "1 while the shop's webhook signing secret differs from the provider endpoint's (every delivery fails verification)",
      labelNames: ["provider"] as const,
      registers: [registry],
      collect() {
        // Absent, not 0, while the Stripe sandbox has no endpoint to compare with.
        this.reset();
        const mismatch = secretMismatch();
        if (mismatch !== null) this.set({ provider: "stripe" }, mismatch);
      },
    });
    const now = Date.now();
    const instance = new URL(world.shopUrl).host;
    const job = "shop";
    const model = shopTrafficModel({ spikeFrom: now - SPIKE_MS });
    const { r, counts } = model;
    // The webhook errors are the signing secret's: once the shop's secret is synced (the fix), live deliveries verify.
    const secretMismatch = () => {
      const stripe = world.get<ShopStripeHandle>(SHOP_STRIPE);
      const endpoint = stripe?.stripeEndpoint();
      return stripe && endpoint ? (stripe.secretFingerprint() === endpoint.fingerprint ? 0 : 1) : null;
    };
    // The past day, one point a minute, ending now: counters carry on from there when live.
    const history = shopHistory(model, { from: now - HISTORY_MS, to: now, labels: { job, instance }, mismatchedAt: () => true });

    // Live counters start where the history ends, so Prometheus sees one continuous series.
    // (The histogram starts again from zero: Prometheus' rate() reads that as a counter reset.)
    const pushed: Counts = {};
    const counters: [client.Counter<string>, string, Record<string, string>][] = [
      [webhooks, "wh:received", { provider: "stripe", status: "received" }],
      [webhooks, "wh:processed", { provider: "stripe", status: "processed" }],
      [webhooks, "wh:error", { provider: "stripe", status: "error" }],
      [webhooks, "wh:retry", { provider: "stripe", status: "retry" }],
      [checkoutRequests, "co:requests", {}],
      [checkoutFailures, "co:failures", {}],
      [invoices, "inv:success", { status: "success" }],
      [invoices, "inv:failure", { status: "failure" }],
      [refunds, "ref:success", { status: "success" }],
      [refunds, "ref:failure", { status: "failure" }],
    ];
    const sync = () => {
      for (const [counter, key, labels] of counters) {
        const delta = (counts[key] ?? 0) - (pushed[key] ?? 0);
        if (delta > 0) counter.inc(labels, delta);
        pushed[key] = counts[key] ?? 0;
      }
    };
    sync();
    const tick = setInterval(() => {
      const requests = model.simulate(1, Date.now(), secretMismatch() !== 0);
      for (let i = 0; i < requests; i++) duration.observe({ method: "GET", route: "/checkout", status: "200" }, latency(r));
      sync();
    }, 1000);
    tick.unref();
    world.onStop(() => clearInterval(tick));

    world.route("GET", "/metrics", async () => ({
      status: 200,
      headers: { "content-type": registry.contentType },
      body: await registry.metrics(),
    }));
    world.provide("shop.metrics", {
      job,
      path: "/metrics",
      history,
    });
  },
};

function openMetricsText(
  list: {
    name: string;
    labels: Record<string, string>;
    points: [number, number][];
  }[],
): string {
  const byName = new Map<string, typeof list>();
  for (const s of list) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const out: string[] = [];
  for (const [name, group] of byName) {
    out.push(`# TYPE ${name} unknown`);
    for (const s of group) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
      for (const [t, v] of s.points) out.push(`${name}{${labels}} ${v} ${t}`);
    }
  }
  out.push("# EOF");
  return out.join("\n") + "\n";
}
