/** The world's name for the demo Alertmanager's `host:port`, announced by the portal once it runs. */
export const DEMO_ALERTMANAGER = "alertmanager.address";

/**
 * The demo's alert rules: the seed's thresholds (names follow the runbooks' headings) and the
 * shop's webhook signing secret check, which clears as soon as the secret is synced. Its
 * runbook_url points at the portal's page when the portal's address is known.
 */
export function demoRules(portalUrl?: string): string {
  const summary = "The shop's STRIPE_WEBHOOK_SECRET is not the endpoint's signing secret: every Stripe delivery fails its signature check";
  const runbookUrl = portalUrl ? `, runbook_url: ${JSON.stringify(`${portalUrl}/runbooks/stripe-webhook-failures#signature-verification-failed`)}` : "";
  return `${DEMO_RULES}      - alert: StripeWebhookSecretMismatch
        expr: max(webhook_signing_secret_mismatch{provider="stripe"}) > 0
        labels: { severity: critical, team: payments, service: checkout }
        annotations: { summary: ${JSON.stringify(summary)}${runbookUrl} }
`;
}

export const DEMO_RULES = `groups:
  - name: shop
    rules:
      - alert: WebhookErrorRatioHigh
        expr: sum(rate(webhook_events_total{status="error"}[10m])) / sum(rate(webhook_events_total{status="received"}[10m])) > 0.02
        for: 10m
        labels: { severity: warning, team: payments }
        annotations: { summary: "Webhook errors above 2% of received events for 10 minutes" }
      - alert: WebhookRetriesHigh
        expr: sum(increase(webhook_events_total{status="retry"}[10m])) > 20
        labels: { severity: warning, team: payments }
        annotations: { summary: "More than 20 webhook retries in 10 minutes" }
      - alert: CheckoutFailuresHigh
        expr: sum(rate(checkout_failures_total[10m])) * 60 > 5
        for: 10m
        labels: { severity: critical, team: checkout }
        annotations: { summary: "Checkout failing more than 5 times a minute for 10 minutes" }
      - alert: InvoiceIssueFailures
        expr: sum(increase(invoice_issue_total{status="failure"}[15m])) > 5
        labels: { severity: warning, team: billing }
        annotations: { summary: "More than 5 invoice issue failures in 15 minutes" }
      - alert: RefundSpike
        expr: sum(rate(refund_operations_total{status="success"}[15m])) / sum(rate(refund_operations_total{status="success"}[1d] offset 15m)) > 3
        for: 15m
        labels: { severity: warning, team: billing }
        annotations: { summary: "Refunds above 3x the day's baseline for 15 minutes" }
`;
