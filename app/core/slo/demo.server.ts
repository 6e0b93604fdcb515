import { sentryEventsRef } from "../../../plugins/sentry/api";
import type { Portal } from "../portal.server";
import { promqlService } from "../probes/promql.server";
import { SlosConfigSchema, type SloConfig } from "./config";

/**
 * The seeds' SLOs over the demo shop's series (demo/shop/metrics.ts): webhook processing success
 * (seed 004's first SLO; the shop's webhooks are Stripe's) burns fast while the shop's signing
 * secret is not the endpoint's; API latency (seed 002: p95 under 500 ms, i.e. 95 % of requests
 * within 0.5 s) holds; refunds are few an hour, so their burn-rate conditions stay quiet on low
 * traffic however a failed refund or two moves the ratio.
 */
export const DEMO_SLOS = {
  "webhook-processing": {
    title: "Webhook processing success",
    objective: 99.9,
    window: "30d",
    owner: "payments",
    runbook: "stripe-webhook-failures",
    minEvents: 100,
    sli: { errors: 'webhook_events_total{provider="stripe",status="error"}', total: 'webhook_events_total{provider="stripe",status="received"}' },
  },
  "api-latency": {
    title: "Core API latency (p95 under 500 ms)",
    objective: 95,
    window: "30d",
    owner: "platform",
    runbook: "deploy-and-rollback",
    minEvents: 100,
    sli: { histogram: "http_request_duration_seconds", threshold: 0.5 },
  },
  "refund-success": {
    title: "Refunds succeed",
    objective: 99.9,
    window: "30d",
    owner: "billing",
    runbook: "order-metrics",
    minEvents: 1000,
    sli: { errors: 'refund_operations_total{status="failure"}', total: "refund_operations_total" },
  },
} as const;

/** Over the Sentry sandbox: p95 of the shop's API transactions under 500 ms (seed 002), as 95 % within 500 ms. */
export const DEMO_SENTRY_SLOS = {
  "core-api-latency": {
    title: "Core API latency (Sentry: p95 under 500 ms)",
    objective: 95,
    window: "30d",
    owner: "platform",
    runbook: "sentry-triage",
    minEvents: 100,
    sli: { sentry: { project: "shop-web", transaction: "/api/*", metric: "p95", threshold: 500 } },
  },
} as const;

/**
 * Demo mode with no `slos` configured: the demo's SLOs over the plugins that serve them (Prometheus' series,
 * Sentry's transactions). Returns their names.
 */
export function applyDemoSlos(portal: Portal): string[] {
  const config = portal.config as { slos?: Record<string, SloConfig> };
  if (!portal.demo.enabled || Object.keys(config.slos ?? {}).length) return [];
  const slos = {
    ...(promqlService(portal.registry) ? DEMO_SLOS : {}),
    ...(portal.registry.services.get(sentryEventsRef) ? DEMO_SENTRY_SLOS : {}),
  };
  if (!Object.keys(slos).length) return [];
  config.slos = SlosConfigSchema.parse(slos);
  return Object.keys(config.slos);
}
