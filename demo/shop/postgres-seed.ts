// The demo shop's Postgres: its schema and the trouble it is in, in one place so the story can be
// aligned with the other sandboxes (order ids, amounts and e-mails follow the Firestore and
// Stripe sandboxes: wx-1031..1033 paid after the webhook secret rotation and never confirmed,
// wx-1030 paid with no payment intent, wx-1034 paid a few minutes ago). Times are relative to now().

export const SHOP_SCHEMA_SQL = `
create table orders (
  id text primary key,
  status text not null,
  payment_intent_id text unique,
  amount_cents integer not null,
  currency text not null default 'usd',
  customer_email text,
  transfer_id text,
  invoice_status text,
  webhook_processed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  paid_at timestamptz,
  confirmed_at timestamptz,
  completed_at timestamptz
);
create index orders_status_updated on orders (status, updated_at);
create table coupons (
  id text primary key,
  description text,
  max_redemptions integer,
  redeemed_count integer not null default 0,
  reserved_count integer not null default 0 check (reserved_count >= 0)
);
create table coupon_reservations (
  id text primary key,
  coupon_id text not null references coupons(id),
  order_id text,
  status text not null check (status in ('reserved', 'redeemed', 'expired')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create table webhook_events (
  id bigserial primary key,
  provider text not null,
  event_id text not null,
  event_type text not null,
  dedupe_key text not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  processing_result text check (processing_result in ('ok', 'error', 'duplicate')),
  error text
);
create index webhook_events_dedupe on webhook_events (dedupe_key);
create table audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  subject text,
  details jsonb
);
create table schema_migrations (
  version text primary key,
  name text not null,
  applied_at timestamptz not null default now()
);
create table stripe_webhook_events (
  id text primary key,
  type text not null,
  status text not null check (status in ('received', 'processed', 'failed')),
  order_id text,
  created_at timestamptz not null default now(),
  processed_at timestamptz,
  error text
);
`;

const ago = (minutes: number) => `now() - interval '${minutes} minutes'`;
const ahead = (minutes: number) => `now() + interval '${minutes} minutes'`;
const q = (v: string | null) => (v === null ? "null" : `'${v.replace(/'/g, "''")}'`);
const D = 1440;
const H = 60;

/** Orders: [id, status, payment intent, amount, email, transfer, invoice, created min ago, paid min ago, webhook processed min ago | null, completed min ago | null] */
const ORDERS: [string, string, string | null, number, string, string | null, string | null, number, number, number | null, number | null][] = [
  ["wx-1001", "completed", "pi_demo_wx1001", 45_000, "buyer1@example.com", "tr_demo_wx1001", "issued", 19 * D, 19 * D - 5, 19 * D - 4, 12 * D],
  ["wx-1002", "completed", "pi_demo_wx1002", 12_500, "buyer2@example.com", "tr_demo_wx1002", "issued", 18 * D, 18 * D - 5, 18 * D - 4, 11 * D],
  ["wx-1003", "completed", "pi_demo_wx1003", 89_900, "buyer3@example.com", "tr_demo_wx1003", "issued", 17 * D, 17 * D - 5, 17 * D - 4, 10 * D],
  ["wx-1004", "completed", "pi_demo_wx1004", 31_000, "buyer4@example.com", "tr_demo_wx1004", "issued", 16 * D, 16 * D - 5, 16 * D - 4, 9 * D],
  ["wx-1030", "paid", null, 18_000, "ranch.supply@example.com", null, "issued", 2 * D, 2 * D - 3, 2 * D - 2, null],
  // Paid after the webhook secret rotation: never confirmed (stuck).
  ["wx-1031", "paid", "pi_demo_wx1031", 64_000, "m.ortega@example.com", null, "pending", 14, 12, null, null],
  ["wx-1032", "paid", "pi_demo_wx1032", 27_500, "hollis.farms@example.com", null, "pending", 49, 47, null, null],
  ["wx-1033", "paid", "pi_demo_wx1033", 152_000, "j.whitfield@example.com", null, "pending", 3 * H + 2, 3 * H, null, null],
  // Paid three minutes ago: not stuck yet.
  ["wx-1034", "paid", "pi_demo_wx1034", 9_900, "new.buyer@example.com", null, "pending", 4, 3, null, null],
  // Delivered; the invoice provider failed on three of them.
  ["wx-1040", "delivered", "pi_demo_wx1040", 72_000, "buyer40@example.com", null, "failed", 9 * D, 9 * D - 4, 9 * D - 3, null],
  ["wx-1041", "delivered", "pi_demo_wx1041", 38_500, "buyer41@example.com", null, "issued", 10 * D, 10 * D - 4, 10 * D - 3, null],
  ["wx-1042", "delivered", "pi_demo_wx1042", 240_000, "buyer42@example.com", null, "issued", 12 * D, 12 * D - 6, 12 * D - 5, null],
  ["wx-1043", "delivered", "pi_demo_wx1043", 56_000, "buyer43@example.com", null, "issued", 11 * D, 11 * D - 2, 11 * D - 1, null],
  ["wx-1044", "delivered", "pi_demo_wx1044", 33_000, "buyer44@example.com", null, "failed", 4 * D, 4 * D - 3, 4 * D - 2, null],
  ["wx-1045", "confirmed", "pi_demo_wx1045", 21_000, "buyer45@example.com", null, "issued", 3 * D, 3 * D - 2, 3 * D - 1, null],
  ["wx-1046", "delivered", "pi_demo_wx1046", 47_500, "buyer46@example.com", null, "failed", 15 * D, 15 * D - 4, 15 * D - 3, null],
];

/** [id, description, max, redeemed, reserved_count] — SPRING25 and FREESHIP have drifted (the expiry job stalled). */
const COUPONS: [string, string, number, number, number][] = [
  ["SPRING25", "25% off spring listings", 200, 41, 5],
  ["WELCOME10", "10% off a first order", 1000, 310, 1],
  ["FREESHIP", "free shipping", 100, 12, 2],
];

/** [id, coupon, order, status, created min ago, expires in minutes (negative: past)] */
const RESERVATIONS: [string, string, string | null, string, number, number][] = [
  ["res-7001", "SPRING25", "wx-1033", "reserved", 3 * H + 20, -2 * H],
  ["res-7002", "SPRING25", null, "reserved", 80, -50],
  ["res-7003", "SPRING25", null, "reserved", 55, -25],
  ["res-7004", "SPRING25", null, "reserved", 10, 20],
  ["res-7005", "SPRING25", null, "reserved", 5, 25],
  ["res-7006", "WELCOME10", null, "reserved", 15, 15],
  ["res-7007", "FREESHIP", null, "reserved", 4 * H, -3 * H],
  ["res-7008", "FREESHIP", null, "reserved", 20, 10],
  ["res-7009", "SPRING25", "wx-1004", "redeemed", 16 * D, -16 * D + 30],
  ["res-7010", "WELCOME10", null, "expired", 2 * D, -2 * D + 30],
];

/** [id, type, status, order, created min ago, processed min ago | null, error] */
const STRIPE_EVENTS: [string, string, string, string | null, number, number | null, string | null][] = [
  ["evt_demo_paid_wx1001", "payment_intent.succeeded", "processed", "wx-1001", 19 * D, 19 * D - 1, null],
  ["evt_demo_paid_wx1046", "payment_intent.succeeded", "processed", "wx-1046", 15 * D, 15 * D - 1, null],
  ["evt_demo_paid_wx1042", "payment_intent.succeeded", "processed", "wx-1042", 12 * D, 12 * D - 1, null],
  ["evt_demo_dispute_wx1043", "charge.dispute.created", "processed", "wx-1043", 2 * D, 2 * D - 1, null],
  ["evt_demo_paid_wx1030", "payment_intent.succeeded", "processed", "wx-1030", 2 * D, 2 * D - 1, null],
  // Received, then the handler crashed before it finished.
  ["evt_demo_paid_wx1032", "payment_intent.succeeded", "received", "wx-1032", 47, null, null],
  ["evt_demo_acct_update", "account.updated", "failed", null, 3 * H + 10, null, "no handler for account.updated"],
  ["evt_demo_paid_wx1034", "payment_intent.succeeded", "received", "wx-1034", 3, null, null],
];

/** [provider, event id, type, dedupe key, received min ago, processed min ago | null, result, error] */
const WEBHOOK_EVENTS: [string, string, string, string, number, number | null, string | null, string | null][] = [
  ["paddle", "evt_01jd2v7k1", "transaction.completed", "paddle:evt_01jd2v7k1", 22 * H, 22 * H, "ok", null],
  ["paddle", "evt_01jd2v9m4", "subscription.updated", "paddle:evt_01jd2v9m4", 20 * H, 20 * H, "ok", null],
  ["paddle", "evt_01jd3a2c8", "subscription.past_due", "paddle:evt_01jd3a2c8", 9 * H, 9 * H, "error", "subscription sub_01jcz8q2 not found"],
  ["paddle", "evt_01jd3f0x2", "transaction.payment_failed", "paddle:evt_01jd3f0x2", 5 * H, 5 * H, "error", "customer ctm_01jcx1a9 has no account"],
  // Delivered twice; the second was recognised as a duplicate (idempotency worked).
  ["paddle", "evt_01jd3k7q5", "transaction.completed", "paddle:evt_01jd3k7q5", 4 * H, 4 * H, "ok", null],
  ["paddle", "evt_01jd3k7q5", "transaction.completed", "paddle:evt_01jd3k7q5", 4 * H - 2, 4 * H - 2, "duplicate", null],
  // Delivered twice and applied twice (two "ok" rows for one key).
  ["paddle", "evt_01jd3p3r9", "subscription.activated", "paddle:evt_01jd3p3r9", 2 * H, 2 * H, "ok", null],
  ["paddle", "evt_01jd3p3r9", "subscription.activated", "paddle:evt_01jd3p3r9", 2 * H - 1, 2 * H - 1, "ok", null],
  // Never finished.
  ["paddle", "evt_01jd3w1t0", "transaction.completed", "paddle:evt_01jd3w1t0", 25, null, null, null],
  ["paddle", "evt_01jd3y6b2", "transaction.completed", "paddle:evt_01jd3y6b2", 2, null, null, null],
];

/** [version, name, applied min ago] — the folder holds one more, not yet applied. */
export const APPLIED_MIGRATIONS: [string, string, number][] = [
  ["20240902101500", "init", 450 * D],
  ["20241003120000", "coupons", 420 * D],
  ["20241110094500", "webhook_events", 380 * D],
  ["20250114083000", "audit_log", 310 * D],
];
export const MIGRATION_FILES = [...APPLIED_MIGRATIONS.map(([v, n]) => `${v}_${n}.sql`), "20251120160000_order_invoice_index.sql"];

/** What the seeded trouble adds up to (tests and runbooks cite these). */
export const SHOP_SEEDED = {
  stuckPaidOrders: ["wx-1031", "wx-1032", "wx-1033"],
  failedInvoices: ["wx-1040", "wx-1044", "wx-1046"],
  staleReservations: ["res-7001", "res-7002", "res-7003", "res-7007"],
  driftedCoupons: ["SPRING25", "FREESHIP"],
  unprocessedStripeEvents: ["evt_demo_acct_update", "evt_demo_paid_wx1032"],
  webhookErrors: 2,
  webhookDuplicates: 1,
  webhookUnprocessed: 1,
  pendingMigration: "20251120160000",
};

/**
 * The shop's webhook handler finishes the fresh order a little after the world starts, as it would:
 * wx-1034 is confirmed and its event processed, so the stuck-orders story stays at the three
 * orders paid after the secret rotation instead of growing a fourth one when its ten minutes pass.
 */
export const FRESH_ORDER_CONFIRMED_AFTER_MS = 90_000;
export const FRESH_ORDER_CONFIRM_SQL = `
update orders set status = 'confirmed', webhook_processed_at = now(), confirmed_at = now(), updated_at = now()
  where id = 'wx-1034' and webhook_processed_at is null;
update stripe_webhook_events set status = 'processed', processed_at = now()
  where id = 'evt_demo_paid_wx1034' and processed_at is null;`;

export function shopSeedSql(): string {
  const rows: string[] = [];
  for (const [id, status, pi, amount, email, tr, invoice, created, paid, processed, completed] of ORDERS) {
    const updated = completed ?? (status === "paid" ? paid : Math.min(created, processed ?? created) - 1);
    rows.push(
      `insert into orders (id, status, payment_intent_id, amount_cents, customer_email, transfer_id, invoice_status, webhook_processed_at, created_at, updated_at, paid_at, confirmed_at, completed_at) values (${q(id)}, ${q(status)}, ${q(pi)}, ${amount}, ${q(email)}, ${q(tr)}, ${q(invoice)}, ${processed === null ? "null" : ago(processed)}, ${ago(created)}, ${ago(updated)}, ${ago(paid)}, ${processed === null ? "null" : ago(processed)}, ${completed === null ? "null" : ago(completed)});`,
    );
  }
  for (const [id, desc, max, redeemed, reserved] of COUPONS) rows.push(`insert into coupons values (${q(id)}, ${q(desc)}, ${max}, ${redeemed}, ${reserved});`);
  for (const [id, coupon, order, status, created, expiresIn] of RESERVATIONS) {
    rows.push(`insert into coupon_reservations values (${q(id)}, ${q(coupon)}, ${q(order)}, ${q(status)}, ${ago(created)}, ${expiresIn < 0 ? ago(-expiresIn) : ahead(expiresIn)});`);
  }
  for (const [id, type, status, order, created, processed, error] of STRIPE_EVENTS) {
    rows.push(`insert into stripe_webhook_events values (${q(id)}, ${q(type)}, ${q(status)}, ${q(order)}, ${ago(created)}, ${processed === null ? "null" : ago(processed)}, ${q(error)});`);
  }
  for (const [provider, eventId, type, key, received, processed, result, error] of WEBHOOK_EVENTS) {
    rows.push(
      `insert into webhook_events (provider, event_id, event_type, dedupe_key, received_at, processed_at, processing_result, error) values (${q(provider)}, ${q(eventId)}, ${q(type)}, ${q(key)}, ${ago(received)}, ${processed === null ? "null" : ago(processed)}, ${q(result)}, ${q(error)});`,
    );
    const action = result === null ? "webhook.received" : result === "ok" ? "webhook.processed" : result === "error" ? "webhook.failed" : "webhook.duplicate";
    rows.push(`insert into audit_log (at, actor, action, subject, details) values (${ago(received)}, 'webhook-handler', ${q(action)}, ${q(eventId)}, ${q(JSON.stringify({ type, ...(error ? { error } : {}) }))}::jsonb);`);
  }
  rows.push(`insert into audit_log (at, actor, action, subject) values (${ago(6 * H)}, 'support@wildlife.example', 'document.download', 'claims/CLM-2041/receipt.pdf');`);
  for (const [version, name, applied] of APPLIED_MIGRATIONS) rows.push(`insert into schema_migrations values (${q(version)}, ${q(name)}, ${ago(applied)});`);
  return rows.join("\n");
}
