/** The seeds' alert rules, for the demo's private Prometheus (names follow the runbooks' headings). */
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
