// The shop's past (demo mode only): 10 incidents over the last 12 weeks, with the notes, status
// changes, action runs, probe transitions, reports and prevention items each one had. Pure data:
// startDemoWorld() hands it to the core, which writes it once, at the first start of a demo data
// folder, through its incident service and audit chain (app/core/demo/history.server.ts).

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Who did it: a demo account's username (the core knows their roles). */
export type PastActor = "responder" | "admin" | "admin2" | "manager";

/** An incident report's fields, as the incident service saves them. */
export interface PastReport {
  summary?: string;
  usersAffected?: string;
  revenueImpact?: string;
  servicesAffected?: string;
  rootCause?: string;
  resolution?: string;
  lessonsLearned?: string;
}

export interface PastAction {
  at: number;
  by: PastActor;
  actionId: string;
  risk: "low" | "high" | "critical";
  target: string;
  input: Record<string, unknown>;
  summary: string;
  outcome?: "succeeded" | "failed";
  /** Critical actions: the second admin who approved. */
  approvedBy?: PastActor;
}

export interface PastIncident {
  /** When it was declared, ms before now. */
  ago: number;
  title: string;
  severity: "P1" | "P2" | "P3" | "P4";
  runbook: string;
  plugins: string[];
  by: PastActor;
  commander: string;
  /** Detection happened this long before the declaration (drives MTTA). */
  detectedBefore: number;
  notes: { at: number; by: PastActor; text: string }[];
  /** Status changes, minutes after declaration. */
  statuses: { at: number; to: "identified" | "monitoring" | "resolved" | "closed"; by: PastActor; text?: string }[];
  actions: PastAction[];
  probes: { at: number; probeId: string; from: string; to: string; value: number | null; summary: string }[];
  report: PastReport;
  prevention: { description: string; owner: string; dueAfter: number; done?: boolean }[];
}

/** The marketplace's last twelve weeks. Times in minutes after the declaration unless noted. */
export function pastIncidents(): PastIncident[] {
  return [
    {
      ago: 80 * DAY + 3 * HOUR,
      title: "Stripe webhooks failing after signing-secret rotation",
      severity: "P1",
      runbook: "stripe-webhook-failures",
      plugins: ["stripe", "firestore"],
      by: "responder",
      commander: "admin",
      detectedBefore: 9 * MIN,
      notes: [
        { at: 4, by: "responder", text: "Backlog at 38 events; every delivery answered 400 \"No signatures found matching the expected signature\"." },
        { at: 21, by: "admin", text: "Secret was rotated in the Dashboard during the deploy; the app still had the old STRIPE_WEBHOOK_SECRET." },
      ],
      statuses: [
        { at: 22, to: "identified", by: "admin", text: "Mismatched webhook signing secret." },
        { at: 35, to: "monitoring", by: "admin", text: "Secret updated and redeployed; Stripe retries are succeeding." },
        { at: 95, to: "resolved", by: "admin", text: "Backlog at 0, reconciliation clean." },
        { at: 3 * 24 * 60, to: "closed", by: "manager" },
      ],
      actions: [
        { at: 28, by: "admin", actionId: "demo.sync-shop-webhook-secret", risk: "high", target: "shop:STRIPE_WEBHOOK_SECRET", input: {}, summary: "The shop's STRIPE_WEBHOOK_SECRET now matches the endpoint; receiver redeployed" },
        { at: 40, by: "admin", actionId: "stripe.resend-event", risk: "high", target: "we_demo_shop:evt_demo_hist_0801", input: { eventId: "evt_demo_hist_0801", endpointId: "we_demo_shop" }, summary: "Delivered payment_intent.succeeded evt_demo_hist_0801: HTTP 200 in 84 ms" },
        { at: 80, by: "responder", actionId: "stripe.reconcile", risk: "low", target: "window:24h", input: {}, summary: "No mismatches: 61 payments, 61 orders, 4 transfers checked (last 24h)" },
      ],
      probes: [
        { at: -9, probeId: "stripe.webhook-backlog", from: "ok", to: "critical", value: 12, summary: "12 events still pending delivery in the last 6h" },
        { at: 88, probeId: "stripe.webhook-backlog", from: "critical", to: "ok", value: 0, summary: "All events of the last 6h delivered" },
      ],
      report: {
        summary: "For 1 h 35 min no Stripe webhook was accepted: the signing secret was rotated in the Dashboard but not in the app, so paid checkouts did not become orders.",
        usersAffected: "38 buyers saw \"payment pending\" after paying; 4 contacted support.",
        revenueImpact: "$9,412 of payments waited for their orders; none lost.",
        rootCause: "The secret rotation and the deploy were done by different people with no checklist linking them.",
        resolution: "Synced STRIPE_WEBHOOK_SECRET with the endpoint's secret, redeployed, resent the oldest event, reconciled.",
        lessonsLearned: "A rotation is a two-step change; the runbook now says so at the top.",
      },
      prevention: [
        { description: "Alert when the webhook backlog is above 5 for 10 minutes", owner: "payments", dueAfter: 14 * DAY, done: true },
        { description: "Rotation checklist: update the secret in the app before rolling it in Stripe", owner: "platform", dueAfter: 21 * DAY },
      ],
    },
    {
      ago: 71 * DAY + 5 * HOUR,
      title: "AutoRelease cron not running: protected payouts overdue",
      severity: "P2",
      runbook: "autorelease",
      plugins: ["firestore"],
      by: "responder",
      commander: "responder",
      detectedBefore: 26 * MIN,
      notes: [{ at: 12, by: "responder", text: "opsHealth/autoReleaseProtected last ran 7 h ago; 9 orders past their protection window." }],
      statuses: [
        { at: 30, to: "identified", by: "responder", text: "Cron schedule disabled by a config change." },
        { at: 55, to: "resolved", by: "responder", text: "Schedule restored; the next run released all 9." },
        { at: 2 * 24 * 60, to: "closed", by: "manager" },
      ],
      actions: [
        { at: 40, by: "admin", actionId: "firestore.add-internal-note", risk: "high", target: "orders/wx-0912", input: { orderId: "wx-0912" }, summary: "Note added to orders/wx-0912" },
      ],
      probes: [
        { at: -26, probeId: "firestore.autorelease-health", from: "ok", to: "critical", value: 420, summary: "last run 7 h ago" },
        { at: 52, probeId: "firestore.autorelease-health", from: "critical", to: "ok", value: 1, summary: "last run 1 min ago" },
      ],
      report: {
        summary: "Protected payouts were held 7 hours past their window because the AutoRelease schedule was disabled.",
        rootCause: "A config cleanup removed the cron's schedule line.",
        resolution: "Restored the schedule; ran once by hand.",
      },
      prevention: [{ description: "Cron monitor with a 'late' alert for AutoRelease", owner: "platform", dueAfter: 10 * DAY }],
    },
    {
      ago: 63 * DAY + 2 * HOUR,
      title: "Checkout 5xx after deploy",
      severity: "P1",
      runbook: "deploy-and-rollback",
      plugins: ["http"],
      by: "responder",
      commander: "admin",
      detectedBefore: 3 * MIN,
      notes: [{ at: 6, by: "admin", text: "Error rate 31% on /checkout since the 14:02 deploy. Rolling back." }],
      statuses: [
        { at: 8, to: "identified", by: "admin", text: "Bad deploy." },
        { at: 19, to: "monitoring", by: "admin", text: "Rolled back; error rate back under 0.5%." },
        { at: 48, to: "resolved", by: "admin" },
        { at: 4 * 24 * 60, to: "closed", by: "manager" },
      ],
      actions: [],
      probes: [
        { at: -3, probeId: "http.app-health", from: "ok", to: "critical", value: 503, summary: "HTTP 503 in 12 ms" },
        { at: 18, probeId: "http.app-health", from: "critical", to: "ok", value: 200, summary: "Healthy: HTTP 200 in 41 ms" },
      ],
      report: {
        summary: "Checkout failed for a third of buyers for 16 minutes after a deploy.",
        rootCause: "A migration renamed a column the old code path still read.",
        resolution: "Rollback, then a two-step migration.",
      },
      prevention: [{ description: "Expand/contract migrations only; add a CI check", owner: "platform", dueAfter: 30 * DAY }],
    },
    {
      ago: 55 * DAY + 7 * HOUR,
      title: "Duplicate charges from checkout retry",
      severity: "P2",
      runbook: "stripe-reconciliation",
      plugins: ["stripe", "firestore"],
      by: "responder",
      commander: "admin2",
      detectedBefore: 47 * MIN,
      notes: [
        { at: 10, by: "admin2", text: "Refund volume at 4x the daily average; all reason=duplicate." },
        { at: 34, by: "admin2", text: "Refunding the one duplicate support escalated; the rest are already refunded." },
      ],
      statuses: [
        { at: 25, to: "identified", by: "admin2", text: "Checkout retries without an idempotency key." },
        { at: 70, to: "resolved", by: "admin2" },
        { at: 3 * 24 * 60, to: "closed", by: "manager" },
      ],
      actions: [
        { at: 15, by: "admin2", actionId: "stripe.reconcile", risk: "low", target: "window:7d", input: { window: "7d" }, summary: "2 mismatches (2 high): 204 payments, 203 orders, 11 transfers checked (last 7d)" },
        { at: 38, by: "admin2", actionId: "stripe.refund", risk: "critical", target: "pi_demo_hist_0551", input: { paymentIntentId: "pi_demo_hist_0551", reason: "duplicate" }, summary: "Refunded $64.00 of pi_demo_hist_0551 (duplicate)", approvedBy: "admin" },
      ],
      probes: [{ at: -47, probeId: "stripe.refund-volume", from: "ok", to: "critical", value: 4, summary: "4 refunds in 24 h, 4.0x the daily average" }],
      report: {
        summary: "A checkout retry without an idempotency key double-charged 11 buyers over a week.",
        revenueImpact: "$1,204 charged twice, all refunded.",
        rootCause: "The client retried the confirm call on a timeout with a new idempotency key.",
        resolution: "Reuse the idempotency key per checkout attempt; refunded every duplicate.",
      },
      prevention: [
        { description: "One idempotency key per checkout attempt, kept across retries", owner: "payments", dueAfter: 7 * DAY, done: true },
        { description: "Alert on refunds with reason=duplicate above 2 a day", owner: "payments", dueAfter: 20 * DAY },
      ],
    },
    {
      ago: 47 * DAY + 4 * HOUR,
      title: "Revenue aggregation failing on a missing index",
      severity: "P3",
      runbook: "revenue-aggregation",
      plugins: ["firestore"],
      by: "responder",
      commander: "responder",
      detectedBefore: 2 * HOUR,
      notes: [{ at: 30, by: "responder", text: "FAILED_PRECONDITION: the query needs an index on orders (paidAt, __name__)." }],
      statuses: [
        { at: 40, to: "identified", by: "responder" },
        { at: 190, to: "resolved", by: "responder", text: "Index built; the next run caught up." },
      ],
      actions: [],
      probes: [{ at: -120, probeId: "firestore.revenue-aggregation-health", from: "ok", to: "critical", value: 2, summary: "last run reported 2 errors" }],
      report: { summary: "The admin revenue figures were 3 hours stale while an index was missing.", rootCause: "A new query shipped without its composite index." },
      prevention: [{ description: "Deploy firestore.indexes.json with the functions", owner: "platform", dueAfter: 14 * DAY }],
    },
    {
      ago: 38 * DAY + 6 * HOUR,
      title: "Order paid in the app with no Stripe payment",
      severity: "P3",
      runbook: "stripe-reconciliation",
      plugins: ["stripe", "firestore"],
      by: "responder",
      commander: "admin",
      detectedBefore: 35 * MIN,
      notes: [{ at: 9, by: "admin", text: "One order marked paid by a manual admin edit; no payment intent behind it." }],
      statuses: [
        { at: 20, to: "identified", by: "admin" },
        { at: 41, to: "resolved", by: "admin", text: "Order set back to pending; buyer asked to pay." },
        { at: 24 * 60, to: "closed", by: "manager" },
      ],
      actions: [
        { at: 12, by: "admin", actionId: "stripe.reconcile", risk: "low", target: "order:wx-0977", input: { orderId: "wx-0977" }, summary: "1 mismatch (1 high): 0 payments, 1 orders, 0 transfers checked (order wx-0977)" },
        { at: 38, by: "admin", actionId: "firestore.set-order-status", risk: "high", target: "orders/wx-0977", input: { orderId: "wx-0977", status: "pending" }, summary: "orders/wx-0977: \"paid\" → \"pending\"" },
      ],
      probes: [],
      report: { summary: "An order was marked paid by hand without a payment.", rootCause: "The admin tool allowed status edits without a payment check." },
      prevention: [{ description: "Admin tool: require a payment intent to mark an order paid", owner: "backoffice", dueAfter: 21 * DAY }],
    },
    {
      ago: 27 * DAY + 2 * HOUR,
      title: "Slow search API (p95 > 2 s)",
      severity: "P4",
      runbook: "service-health",
      plugins: ["http"],
      by: "responder",
      commander: "responder",
      detectedBefore: 5 * HOUR,
      notes: [{ at: 60, by: "responder", text: "Slow only for one large seller's catalogue; not customer-blocking." }],
      statuses: [{ at: 22 * 60, to: "resolved", by: "responder", text: "Query rewritten; p95 back to 300 ms." }],
      actions: [],
      probes: [
        { at: -300, probeId: "http.backend-health", from: "ok", to: "warn", value: 2150, summary: "HTTP 200 in 2150 ms" },
        { at: 21 * 60, probeId: "http.backend-health", from: "warn", to: "ok", value: 310, summary: "Healthy: HTTP 200 in 310 ms" },
      ],
      report: { summary: "Search was slow for one seller's listings for a day." },
      prevention: [],
    },
    {
      ago: 19 * DAY + 8 * HOUR,
      title: "Chargeback evidence deadline nearly missed",
      severity: "P3",
      runbook: "stripe-reconciliation",
      plugins: ["stripe"],
      by: "responder",
      commander: "admin2",
      detectedBefore: 15 * MIN,
      notes: [{ at: 5, by: "admin2", text: "Dispute on wx-1002 due in 20 h with no evidence submitted." }],
      statuses: [
        { at: 10, to: "identified", by: "admin2" },
        { at: 150, to: "resolved", by: "admin2", text: "Evidence submitted; later won." },
      ],
      actions: [{ at: 20, by: "admin2", actionId: "stripe.recheck-payment", risk: "low", target: "pi_demo_wx1002", input: { paymentIntentId: "pi_demo_wx1002" }, summary: "pi_demo_wx1002 succeeded, 1 dispute (needs_response)" }],
      probes: [{ at: -15, probeId: "stripe.open-disputes", from: "ok", to: "warn", value: 1, summary: "1 open dispute; evidence due in 20 h" }],
      report: { summary: "A dispute's evidence was submitted with 18 hours to spare; nobody owned disputes." },
      prevention: [{ description: "Weekly dispute review with a named owner", owner: "support", dueAfter: 7 * DAY }],
    },
    {
      ago: 9 * DAY + 3 * HOUR,
      title: "Firestore backup older than 48 h",
      severity: "P2",
      runbook: "firestore-backup-restore",
      plugins: ["firestore"],
      by: "responder",
      commander: "admin",
      detectedBefore: 20 * MIN,
      notes: [{ at: 15, by: "admin", text: "Export job's service account lost storage.objects.create after an IAM cleanup." }],
      statuses: [
        { at: 18, to: "identified", by: "admin" },
        { at: 62, to: "resolved", by: "admin", text: "Role restored; fresh export verified." },
      ],
      actions: [{ at: 30, by: "admin", actionId: "demo.rotate-key", risk: "high", target: "api-signing", input: { keyName: "api-signing" }, summary: "api-signing rotated to version 4" }],
      probes: [],
      report: { summary: "No backup for 52 hours after an IAM cleanup; no data lost.", rootCause: "IAM cleanup removed a role the export needed." },
      prevention: [{ description: "Alert when the last good backup is older than 26 h", owner: "platform", dueAfter: 5 * DAY }],
    },
    {
      ago: 3 * DAY + 5 * HOUR,
      title: "Typo in the order confirmation email",
      severity: "P4",
      runbook: "incident-response",
      plugins: [],
      by: "responder",
      commander: "responder",
      detectedBefore: 10 * HOUR,
      notes: [{ at: 30, by: "responder", text: "Template fix queued for the next release." }],
      statuses: [{ at: 26 * 60, to: "resolved", by: "responder" }],
      actions: [],
      probes: [],
      report: { summary: "The confirmation email said \"recieved\"." },
      prevention: [],
    },
  ];
}
