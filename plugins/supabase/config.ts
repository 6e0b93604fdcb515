import { z } from "zod";
import { DurationSchema, parseDuration, secret } from "../plugin-api";
import { neverAllowed } from "./sql-guard";

/** A plain SQL identifier, optionally schema-qualified (`public.orders`); quoted when used. */
const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;
export const IdentSchema = z.string().regex(IDENT, "must be a plain SQL name (letters, digits, _)");
export const TableSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, 'must be a table name such as "orders" or "public.orders"');
const ProbeNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "probe names are kebab-case");

const THRESHOLD = /^\s*(>|>=|<|<=|==|!=)\s*-?\d+(\.\d+)?(\s+for\s+\d+(\.\d+)?\s*(ms|s|m|h|d))?\s*$/;
const ThresholdSchema = z.string().regex(THRESHOLD, 'must look like "> 0", ">= 5" or "> 0 for 10m"');
export const ThresholdsSchema = z
  .object({
    warn: ThresholdSchema.optional().describe('When the figure warns, e.g. "> 0" or "> 5 for 10m".'),
    critical: ThresholdSchema.optional().describe('When the figure is critical, e.g. "> 10" or "> 0 for 30m".'),
  })
  .strict();

/**
 * A SQL probe: one read-only statement. `count`: how many rows it returns (counted exactly even
 * past the row cap); `value`: the first column of the first row is the figure; `rows`: the rows
 * are the reading (the figure is how many were fetched, at most the row cap).
 */
export const SqlQuerySchema = z
  .object({
    title: z.string().optional().describe("Name shown on the overview; default the query name."),
    description: z.string().optional().describe("One sentence under the title saying what a non-zero figure means."),
    sql: z
      .string()
      .trim()
      .min(1, "is empty")
      .describe("One read-only statement, e.g. select count(*) from orders where paid_at > now() - interval '1 hour'; parsed and refused at start if it could write."),
    measure: z
      .enum(["count", "value", "rows"])
      .default("count")
      .describe("count: rows returned (counted exactly past the cap); value: the first column of the first row; rows: the rows (figure = rows fetched)."),
    unit: z.string().optional().describe('Unit shown with the figure, e.g. "orders".'),
    thresholds: ThresholdsSchema.default({}).describe("Status thresholds on the figure."),
    every: DurationSchema.default("1m").describe("How often the query runs."),
    statementTimeout: DurationSchema.optional().describe("Overrides the plugin's statementTimeout for this query."),
    maxRows: z.number().int().min(1).max(100_000).optional().describe("Overrides the plugin's maxRows for this query."),
  })
  .strict();
export type SqlQueryConfig = z.infer<typeof SqlQuerySchema>;

const ORDER_COLUMNS = {
  id: "id",
  status: "status",
  paymentIntent: "payment_intent_id",
  amount: "amount_cents",
  currency: "currency",
  customerEmail: "customer_email",
  transferId: "transfer_id",
  createdAt: "created_at",
  updatedAt: "updated_at",
  paidAt: "paid_at",
  confirmedAt: "confirmed_at",
  completedAt: "completed_at",
  webhookProcessedAt: "webhook_processed_at",
  invoiceStatus: "invoice_status",
};
const ORDER_COLUMN_TEXTS: Record<keyof typeof ORDER_COLUMNS, string> = {
  id: "Column holding the order id.",
  status: "Column holding the order's status (paid, confirmed…).",
  paymentIntent: "Column holding the Stripe payment intent id (pi_…).",
  amount: "Column holding the amount, in amountUnit.",
  currency: "Column holding the ISO currency code, e.g. eur.",
  customerEmail: "Column holding the buyer's email address.",
  transferId: "Column holding the Stripe transfer id (tr_…) paid out for the order.",
  createdAt: "Column holding when the order was created.",
  updatedAt: "Column holding when the order was last changed (the fixes' precondition).",
  paidAt: "Column holding when the order was paid.",
  confirmedAt: "Column holding when the webhook confirmed the order.",
  completedAt: "Column holding when the order was completed.",
  webhookProcessedAt: "Column holding when the payment webhook was processed (empty: stuck).",
  invoiceStatus: "Column holding the invoice status (failedInvoiceStatus counts as failed).",
};

/** The orders table as the ledger, the fixes and the order-health preset see it. */
export const OrdersMappingSchema = z
  .object({
    table: TableSchema.default("orders").describe("The orders table, e.g. orders or public.orders."),
    columns: z
      .object(
        Object.fromEntries(
          Object.entries(ORDER_COLUMNS).map(([k, v]) => [k, IdentSchema.default(v).describe(ORDER_COLUMN_TEXTS[k as keyof typeof ORDER_COLUMNS])]),
        ) as Record<keyof typeof ORDER_COLUMNS, z.ZodDefault<typeof IdentSchema>>,
      )
      .strict()
      .default(ORDER_COLUMNS)
      .describe("Column names of the orders table."),
    amountUnit: z.enum(["minor", "major"]).default("minor").describe("minor: amounts in cents (as Stripe); major: in currency units (12.50)."),
    paidStatus: z.string().min(1).default("paid").describe("The status a paid order has until the webhook confirms it."),
    confirmedStatus: z.string().min(1).default("confirmed").describe("The status of a confirmed order (what supabase.confirm-order writes)."),
    failedInvoiceStatus: z.string().min(1).default("failed").describe("The invoice status that counts as failed (preset failed-invoices)."),
    maxOrders: z.number().int().min(1).max(100_000).default(10_000).describe("Most orders one ledger read (a reconciliation window) returns."),
  })
  .strict();
export type OrdersMapping = z.infer<typeof OrdersMappingSchema>;

const COUPON_DEFAULTS = {
  couponsTable: "coupons",
  couponId: "id",
  reservedCount: "reserved_count",
  reservationsTable: "coupon_reservations",
  reservationId: "id",
  reservationCoupon: "coupon_id",
  reservationStatus: "status",
  expiresAt: "expires_at",
  reservedStatus: "reserved",
  expiredStatus: "expired",
};
export const CouponsMappingSchema = z
  .object({
    couponsTable: TableSchema.default("coupons").describe("The coupons table."),
    couponId: IdentSchema.default("id").describe("Column holding the coupon id."),
    reservedCount: IdentSchema.default("reserved_count").describe("Column holding how many reservations the coupon counts."),
    reservationsTable: TableSchema.default("coupon_reservations").describe("The coupon reservations table."),
    reservationId: IdentSchema.default("id").describe("Column holding the reservation id."),
    reservationCoupon: IdentSchema.default("coupon_id").describe("Column holding the reservation's coupon id."),
    reservationStatus: IdentSchema.default("status").describe("Column holding the reservation's status."),
    expiresAt: IdentSchema.default("expires_at").describe("Column holding when the reservation expires."),
    reservedStatus: z.string().min(1).default("reserved").describe("Status of a live reservation."),
    expiredStatus: z.string().min(1).default("expired").describe("Status supabase.expire-coupon-reservation writes."),
  })
  .strict();
export type CouponsMapping = z.infer<typeof CouponsMappingSchema>;

const STRIPE_EVENTS_DEFAULTS = { table: "stripe_webhook_events", id: "id", status: "status", createdAt: "created_at", processedStatus: "processed" };
export const StripeEventsMappingSchema = z
  .object({
    table: TableSchema.default("stripe_webhook_events").describe("The app's table of received Stripe events."),
    id: IdentSchema.default("id").describe("Column holding the Stripe event id (evt_…)."),
    status: IdentSchema.default("status").describe("Column holding the processing status."),
    createdAt: IdentSchema.default("created_at").describe("Column holding when the event arrived."),
    processedStatus: z.string().min(1).default("processed").describe("The status of a processed event; others past stuckAfter are unprocessed."),
  })
  .strict();

/** The order-health preset's table/column mapping (defaults fit the typical schema in the README). */
export const OrderHealthSchema = z
  .object({
    orders: OrdersMappingSchema.default(OrdersMappingSchema.parse({})).describe("The orders table as the preset reads it."),
    coupons: CouponsMappingSchema.default(COUPON_DEFAULTS).describe("The coupon tables as the preset reads them."),
    stripeEvents: StripeEventsMappingSchema.default(STRIPE_EVENTS_DEFAULTS).describe("The Stripe events table as the preset reads it."),
    stuckAfter: DurationSchema.default("10m").describe("How long a paid order or a webhook event may wait before it counts as stuck."),
  })
  .strict();
export type OrderHealthConfig = z.infer<typeof OrderHealthSchema>;

/** Migration status: the latest applied version in the table vs the files in the folder. */
export const MigrationsSchema = z
  .object({
    table: TableSchema.default("schema_migrations").describe("The table of applied migrations."),
    column: IdentSchema.default("version").describe("Column holding an applied migration's version."),
    folder: z
      .string()
      .min(1)
      .optional()
      .describe("Folder of migration files (<version>_<name>.sql); without it only the latest applied version is shown."),
  })
  .strict();
export type MigrationsConfig = z.infer<typeof MigrationsSchema>;

/** The app's own webhook log (dedupe keys, processing results, errors). */
export const WebhookEventsSchema = z
  .object({
    table: TableSchema.default("webhook_events").describe("The app's webhook log table."),
    dedupeKey: IdentSchema.default("dedupe_key").describe("Column holding the delivery's dedupe key (the provider's event id)."),
    result: IdentSchema.default("processing_result").describe("Column holding the processing result."),
    error: IdentSchema.default("error").describe("Column holding the processing error message."),
    receivedAt: IdentSchema.default("received_at").describe("Column holding when the delivery arrived."),
    processedAt: IdentSchema.default("processed_at").describe("Column holding when the delivery was processed."),
    errorResult: z.string().min(1).default("error").describe("The processing result that counts as an error."),
    unprocessedAfter: DurationSchema.default("10m").describe("Events with no processing result this long after they arrived count as unprocessed."),
    window: DurationSchema.default("24h").describe("How far back errors and duplicates are counted."),
  })
  .strict();
export type WebhookEventsConfig = z.infer<typeof WebhookEventsSchema>;

export const StoragePathSchema = z
  .object({
    bucket: z.string().min(1).describe("The Storage bucket, e.g. invoices."),
    prefix: z.string().default("").describe("The folder inside the bucket, e.g. 2024/."),
    measure: z
      .enum(["count", "newest-age"])
      .default("count")
      .describe("count: objects directly under the prefix; newest-age: minutes since the newest was updated."),
    thresholds: ThresholdsSchema.default({}).describe("Status thresholds on the figure."),
    every: DurationSchema.default("5m").describe("How often the folder is listed."),
  })
  .strict();
export type StoragePathConfig = z.infer<typeof StoragePathSchema>;

export const StorageSchema = z
  .object({
    buckets: z.array(z.string().min(1)).default([]).describe("Buckets that must exist (probe supabase.storage-buckets)."),
    paths: z.record(ProbeNameSchema, StoragePathSchema).default({}).describe("Storage folders to watch by kebab-case name; each becomes supabase.storage-<name>."),
  })
  .strict();

export const SupabaseConfigSchema = z
  .object({
    url: z.string().url().describe("The project URL, e.g. https://abcd.supabase.co."),
    serviceRoleKey: secret(z.string().min(20, "must be the service-role key").describe("The project's service-role key (REST and Storage probes), e.g. ${SUPABASE_SERVICE_ROLE_KEY}.")),
    databaseUrl: secret(z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// connection string"))
      .optional()
      .describe("A direct Postgres connection string (the pooler URL works too); the fixes write through it, reads use the read-only role."),
    readOnlyRole: IdentSchema.optional().describe(
      "Reads (the sql service, runbook SQL, SQL probes, the orders ledger) run after SET LOCAL ROLE to this role; checked at start to be unable to write, and databaseUrl's user must be a member of it.",
    ),
    readOnlyDatabaseUrl: secret(z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// connection string"))
      .optional()
      .describe("A separate connection string for reads, logging in as a read-only user (the strongest form); not with readOnlyRole."),
    allowFunctions: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, "must be a function name such as \"order_total\" or \"shop.order_total\""))
      .default([])
      .superRefine((names, ctx) => {
        for (const [i, n] of names.entries()) if (neverAllowed(n)) ctx.addIssue({ code: "custom", path: [i], message: `${n} can write, lock or reach the server; it is never allowed in read-only SQL` });
      })
      .describe("Functions allowed in read-only SQL besides the built-in allow-list, as name or schema.name, e.g. [shop.order_total]."),
    statementTimeout: DurationSchema.default("5s")
      .refine((v) => parseDuration(v) >= 100 && parseDuration(v) <= 600_000, "must be between 100ms and 10m")
      .describe("SET LOCAL statement_timeout of every read, between 100ms and 10m."),
    maxRows: z.number().int().min(1).max(100_000).default(500).describe("Most rows one read returns (a cap enforced by the protocol)."),
    queries: z.record(ProbeNameSchema, SqlQuerySchema).default({}).describe("SQL probes by kebab-case name; each becomes supabase.<name>."),
    presets: z.array(z.enum(["order-health"])).default([]).describe("Ready-made probes: order-health adds stuck-paid-orders, failed-invoices, coupon-reservation-leaks, coupon-reserved-drift, unprocessed-stripe-events."),
    orderHealth: OrderHealthSchema.optional().describe("The order-health preset's table and column mapping (defaults fit the typical schema)."),
    migrations: MigrationsSchema.optional().describe("Adds supabase.migration-status: migrations applied vs the files in a folder."),
    webhookEvents: WebhookEventsSchema.optional().describe("The app's webhook log; adds webhook-errors, webhook-duplicates and webhook-unprocessed."),
    rest: z
      .object({ tables: z.array(TableSchema).default([]).describe("Tables whose REST reachability (one HEAD count with the service key) is a probe supabase.rest-<table>.") })
      .strict()
      .default({ tables: [] })
      .describe("PostgREST checks."),
    storage: StorageSchema.default({ buckets: [], paths: {} }).describe("Storage checks."),
    orders: OrdersMappingSchema.optional().describe("The orders table as the `orders` ledger (for stripe.reconcile); enables the single-order fixes."),
    coupons: CouponsMappingSchema.optional().describe("Coupons and their reservations; enables supabase.expire-coupon-reservation."),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.readOnlyRole && c.readOnlyDatabaseUrl) ctx.addIssue({ code: "custom", path: ["readOnlyRole"], message: "set readOnlyRole or readOnlyDatabaseUrl, not both" });
    if (c.databaseUrl) return;
    if (c.readOnlyDatabaseUrl) ctx.addIssue({ code: "custom", path: ["readOnlyDatabaseUrl"], message: "needs databaseUrl (the connection the fixes write through)" });
    const needs: [string, boolean][] = [
      ["queries", Object.keys(c.queries).length > 0],
      ["presets", c.presets.length > 0],
      ["migrations", !!c.migrations],
      ["webhookEvents", !!c.webhookEvents],
      ["orders", !!c.orders],
      ["coupons", !!c.coupons],
    ];
    for (const [key, used] of needs) if (used) ctx.addIssue({ code: "custom", path: [key], message: "needs databaseUrl (a direct Postgres connection)" });
  });
export type SupabaseConfig = z.infer<typeof SupabaseConfigSchema>;
