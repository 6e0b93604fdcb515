// Checks shipped with the plugin, written as SQL over a table/column mapping: the order-health
// preset (the seed runbooks' four questions, asked of Postgres) and the webhook_events results.
import { parseDuration } from "../plugin-api";
import type { OrderHealthConfig, WebhookEventsConfig } from "./config";
import { qi } from "./ident";
import type { SqlProbeSpec } from "./probes/sql-probe";

const interval = (d: string) => `${Math.round(parseDuration(d) / 1000)} seconds`;

/** The order-health preset: one probe per check, ids fixed so runbooks can name them. */
export function orderHealthChecks(m: OrderHealthConfig): Record<string, SqlProbeSpec> {
  const o = m.orders;
  const oc = o.columns;
  const c = m.coupons;
  const e = m.stripeEvents;
  const stuck = interval(m.stuckAfter);
  return {
    "stuck-paid-orders": {
      title: "Stuck paid orders",
      description: `Orders ${o.paidStatus} for more than ${m.stuckAfter} whose webhook never finished (${oc.webhookProcessedAt} is null).`,
      sql: `select ${qi(oc.id)} as id, ${qi(oc.paymentIntent)} as payment_intent_id, ${qi(oc.updatedAt)} as updated_at
from ${qi(o.table)}
where ${qi(oc.status)} = $1 and ${qi(oc.webhookProcessedAt)} is null and ${qi(oc.updatedAt)} < now() - $2::interval
order by ${qi(oc.updatedAt)}`,
      params: [o.paidStatus, stuck],
      measure: "count",
      unit: "orders",
      noun: "paid orders unconfirmed",
      nounOne: "paid order unconfirmed",
      thresholds: { warn: "> 0", critical: "> 0 for 10m" },
    },
    "failed-invoices": {
      title: "Failed invoices",
      description: `Orders whose ${oc.invoiceStatus} is ${o.failedInvoiceStatus}.`,
      sql: `select ${qi(oc.id)} as id, ${qi(oc.invoiceStatus)} as invoice_status, ${qi(oc.updatedAt)} as updated_at
from ${qi(o.table)}
where ${qi(oc.invoiceStatus)} = $1
order by ${qi(oc.updatedAt)} desc`,
      params: [o.failedInvoiceStatus],
      measure: "count",
      unit: "orders",
      noun: "orders with a failed invoice",
      nounOne: "order with a failed invoice",
      thresholds: { warn: "> 0", critical: "> 5" },
    },
    "coupon-reservation-leaks": {
      title: "Coupon reservations past expiry",
      description: `Reservations still ${c.reservedStatus} after ${c.expiresAt}: the expiry job has not released them.`,
      sql: `select ${qi(c.reservationId)} as id, ${qi(c.reservationCoupon)} as coupon_id, ${qi(c.expiresAt)} as expires_at
from ${qi(c.reservationsTable)}
where ${qi(c.reservationStatus)} = $1 and ${qi(c.expiresAt)} < now()
order by ${qi(c.expiresAt)}`,
      params: [c.reservedStatus],
      measure: "count",
      unit: "reservations",
      noun: "reservations past expiry",
      nounOne: "reservation past expiry",
      thresholds: { warn: "> 0", critical: "> 0 for 30m" },
    },
    "coupon-reserved-drift": {
      title: "Coupons whose reserved count drifted",
      description: `Coupons whose ${c.reservedCount} differs from their unexpired ${c.reservedStatus} reservations.`,
      sql: `select cp.${qi(c.couponId)} as coupon_id, cp.${qi(c.reservedCount)} as reserved_count, coalesce(a.active, 0) as active_reservations
from ${qi(c.couponsTable)} cp
left join (select ${qi(c.reservationCoupon)} as coupon_id, count(*) as active from ${qi(c.reservationsTable)}
           where ${qi(c.reservationStatus)} = $1 and ${qi(c.expiresAt)} >= now() group by 1) a on a.coupon_id = cp.${qi(c.couponId)}
where cp.${qi(c.reservedCount)} <> coalesce(a.active, 0)
order by 1`,
      params: [c.reservedStatus],
      measure: "count",
      unit: "coupons",
      noun: "coupons with a drifted reserved count",
      nounOne: "coupon with a drifted reserved count",
      thresholds: { warn: "> 0" },
    },
    "unprocessed-stripe-events": {
      title: "Stripe webhook events not processed",
      description: `Rows in ${e.table} not ${e.processedStatus} ${m.stuckAfter} after they arrived.`,
      sql: `select ${qi(e.id)} as id, ${qi(e.status)} as status, ${qi(e.createdAt)} as created_at
from ${qi(e.table)}
where ${qi(e.status)} is distinct from $1 and ${qi(e.createdAt)} < now() - $2::interval
order by ${qi(e.createdAt)}`,
      params: [e.processedStatus, stuck],
      measure: "count",
      unit: "events",
      noun: "events not processed",
      nounOne: "event not processed",
      thresholds: { warn: "> 0", critical: "> 5" },
    },
  };
}

/** webhook_events: errors and double-applied dedupe keys in the window, and events never processed. */
export function webhookEventChecks(w: WebhookEventsConfig): Record<string, SqlProbeSpec> {
  const t = qi(w.table);
  return {
    "webhook-errors": {
      title: "Webhook events that failed",
      description: `Rows in ${w.table} with ${w.result} = ${w.errorResult} in the last ${w.window}.`,
      sql: `select ${qi(w.dedupeKey)} as dedupe_key, ${qi(w.error)} as error, ${qi(w.receivedAt)} as received_at
from ${t} where ${qi(w.result)} = $1 and ${qi(w.receivedAt)} > now() - $2::interval
order by ${qi(w.receivedAt)} desc`,
      params: [w.errorResult, interval(w.window)],
      measure: "count",
      unit: "events",
      noun: "webhook events failed",
      nounOne: "webhook event failed",
      thresholds: { warn: "> 0", critical: "> 5" },
    },
    "webhook-duplicates": {
      title: "Webhook deliveries applied more than once",
      description: `Dedupe keys in ${w.table} with more than one row that is not marked duplicate, in the last ${w.window}.`,
      sql: `select ${qi(w.dedupeKey)} as dedupe_key, count(*) as copies, min(${qi(w.receivedAt)}) as first_at, max(${qi(w.receivedAt)}) as last_at
from ${t} where ${qi(w.receivedAt)} > now() - $1::interval and ${qi(w.result)} is distinct from 'duplicate'
group by 1 having count(*) > 1 order by 1`,
      params: [interval(w.window)],
      measure: "count",
      unit: "keys",
      noun: "dedupe keys applied more than once",
      nounOne: "dedupe key applied more than once",
      thresholds: { critical: "> 0" },
    },
    "webhook-unprocessed": {
      title: "Webhook events not processed",
      description: `Rows in ${w.table} with no ${w.result} ${w.unprocessedAfter} after they arrived.`,
      sql: `select ${qi(w.dedupeKey)} as dedupe_key, ${qi(w.receivedAt)} as received_at
from ${t} where ${qi(w.result)} is null and ${qi(w.receivedAt)} < now() - $1::interval
order by ${qi(w.receivedAt)}`,
      params: [interval(w.unprocessedAfter)],
      measure: "count",
      unit: "events",
      noun: "webhook events unprocessed",
      nounOne: "webhook event unprocessed",
      thresholds: { warn: "> 0", critical: "> 3" },
    },
  };
}
