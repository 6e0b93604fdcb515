import type { PresetName, PromQuery } from "./config";

/**
 * The seeds' dashboard panels and alert rules as ready probes: a team whose service exports
 * these metric names gets them with `presets: [http-latency, …]`. Thresholds are the seeds'.
 */
export const PRESETS: Record<PresetName, Record<string, PromQuery>> = {
  "http-latency": {
    "http-latency-p95": {
      title: "HTTP latency p95",
      promql: "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))",
      unit: "s",
      // Baseline: p95 < 300 ms steady.
      thresholds: { warn: "> 0.3" },
      every: "1m",
    },
    "http-latency-p99": {
      title: "HTTP latency p99",
      promql: "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))",
      unit: "s",
      // Baseline: p99 < 800 ms.
      thresholds: { warn: "> 0.8" },
      every: "1m",
    },
  },
  "stripe-webhooks": {
    "webhook-error-ratio": {
      title: "Webhook error ratio",
      promql: 'sum(rate(webhook_events_total{status="error"}[10m])) / sum(rate(webhook_events_total{status="received"}[10m])) * 100',
      unit: "%",
      // Alert: errors / received > 2% for 10m.
      thresholds: { warn: "> 2", critical: "> 2 for 10m" },
      every: "1m",
    },
    "webhook-retries": {
      title: "Webhook retries (10 min)",
      promql: 'sum(increase(webhook_events_total{status="retry"}[10m]))',
      unit: "retries",
      // Alert: increase over 10m > 20.
      thresholds: { critical: "> 20" },
      every: "1m",
    },
  },
  checkout: {
    "checkout-failures": {
      title: "Checkout failures per minute",
      promql: "sum(rate(checkout_failures_total[10m])) * 60",
      unit: "/min",
      // Alert: rate > 5/min for 10m.
      thresholds: { warn: "> 5", critical: "> 5 for 10m" },
      every: "1m",
    },
  },
  billing: {
    "invoice-failures": {
      title: "Invoice issue failures (15 min)",
      promql: 'sum(increase(invoice_issue_total{status="failure"}[15m]))',
      unit: "failures",
      // Alert: increase over 15m > 5.
      thresholds: { critical: "> 5" },
      every: "1m",
    },
    "refund-spike": {
      title: "Refunds against the day's baseline",
      promql:
        'sum(rate(refund_operations_total{status="success"}[15m])) / sum(rate(refund_operations_total{status="success"}[1d] offset 15m))',
      unit: "× baseline",
      // Alert: > 3x baseline for 15m.
      thresholds: { warn: "> 3", critical: "> 3 for 15m" },
      every: "1m",
    },
  },
};

/** The configured queries plus the presets' (a configured query of the same name wins). */
export function queriesWithPresets(queries: Record<string, PromQuery>, presets: readonly PresetName[]): Record<string, PromQuery> {
  const out: Record<string, PromQuery> = {};
  for (const p of presets) Object.assign(out, PRESETS[p]);
  return Object.assign(out, queries);
}
