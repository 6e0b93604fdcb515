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
export const ThresholdsSchema = z.object({ warn: ThresholdSchema.optional(), critical: ThresholdSchema.optional() }).strict();

/**
 * A SQL probe: one read-only statement. `count`: how many rows it returns (counted exactly even
 * past the row cap); `value`: the first column of the first row is the figure; `rows`: the rows
 * are the reading (the figure is how many were fetched, at most the row cap).
 */
export const SqlQuerySchema = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    sql: z.string().trim().min(1, "is empty"),
    measure: z.enum(["count", "value", "rows"]).default("count"),
    unit: z.string().optional(),
    thresholds: ThresholdsSchema.default({}),
    every: DurationSchema.default("1m"),
    /** Overrides the plugin's statementTimeout for this query. */
    statementTimeout: DurationSchema.optional(),
    /** Overrides the plugin's maxRows for this query. */
    maxRows: z.number().int().min(1).max(100_000).optional(),
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

/** The orders table as the ledger, the fixes and the order-health preset see it. */
export const OrdersMappingSchema = z
  .object({
    table: TableSchema.default("orders"),
    columns: z
      .object(Object.fromEntries(Object.entries(ORDER_COLUMNS).map(([k, v]) => [k, IdentSchema.default(v)])) as Record<keyof typeof ORDER_COLUMNS, z.ZodDefault<typeof IdentSchema>>)
      .strict()
      .default(ORDER_COLUMNS),
    /** minor: amounts in cents (as Stripe); major: in currency units. */
    amountUnit: z.enum(["minor", "major"]).default("minor"),
    /** The status a paid order has until the webhook confirms it, and the confirmed one. */
    paidStatus: z.string().min(1).default("paid"),
    confirmedStatus: z.string().min(1).default("confirmed"),
    failedInvoiceStatus: z.string().min(1).default("failed"),
    /** Most orders one listOrders call returns. */
    maxOrders: z.number().int().min(1).max(100_000).default(10_000),
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
    couponsTable: TableSchema.default("coupons"),
    couponId: IdentSchema.default("id"),
    reservedCount: IdentSchema.default("reserved_count"),
    reservationsTable: TableSchema.default("coupon_reservations"),
    reservationId: IdentSchema.default("id"),
    reservationCoupon: IdentSchema.default("coupon_id"),
    reservationStatus: IdentSchema.default("status"),
    expiresAt: IdentSchema.default("expires_at"),
    reservedStatus: z.string().min(1).default("reserved"),
    expiredStatus: z.string().min(1).default("expired"),
  })
  .strict();
export type CouponsMapping = z.infer<typeof CouponsMappingSchema>;

const STRIPE_EVENTS_DEFAULTS = { table: "stripe_webhook_events", id: "id", status: "status", createdAt: "created_at", processedStatus: "processed" };
export const StripeEventsMappingSchema = z
  .object({
    table: TableSchema.default("stripe_webhook_events"),
    id: IdentSchema.default("id"),
    status: IdentSchema.default("status"),
    createdAt: IdentSchema.default("created_at"),
    processedStatus: z.string().min(1).default("processed"),
  })
  .strict();

/** The order-health preset's table/column mapping (defaults fit the typical schema in the README). */
export const OrderHealthSchema = z
  .object({
    orders: OrdersMappingSchema.default(OrdersMappingSchema.parse({})),
    coupons: CouponsMappingSchema.default(COUPON_DEFAULTS),
    stripeEvents: StripeEventsMappingSchema.default(STRIPE_EVENTS_DEFAULTS),
    /** How long a paid order or a webhook event may wait before it counts as stuck. */
    stuckAfter: DurationSchema.default("10m"),
  })
  .strict();
export type OrderHealthConfig = z.infer<typeof OrderHealthSchema>;

/** Migration status: the latest applied version in the table vs the files in the folder. */
export const MigrationsSchema = z
  .object({
    table: TableSchema.default("schema_migrations"),
    column: IdentSchema.default("version"),
    /** Folder of migration files (`<version>_<name>.sql`); without it only the latest applied version is shown. */
    folder: z.string().min(1).optional(),
  })
  .strict();
export type MigrationsConfig = z.infer<typeof MigrationsSchema>;

/** The app's own webhook log (dedupe keys, processing results, errors). */
export const WebhookEventsSchema = z
  .object({
    table: TableSchema.default("webhook_events"),
    dedupeKey: IdentSchema.default("dedupe_key"),
    result: IdentSchema.default("processing_result"),
    error: IdentSchema.default("error"),
    receivedAt: IdentSchema.default("received_at"),
    processedAt: IdentSchema.default("processed_at"),
    errorResult: z.string().min(1).default("error"),
    /** Events with no processing result this long after they arrived count as unprocessed. */
    unprocessedAfter: DurationSchema.default("10m"),
    /** How far back errors and duplicates are counted. */
    window: DurationSchema.default("24h"),
  })
  .strict();
export type WebhookEventsConfig = z.infer<typeof WebhookEventsSchema>;

export const StoragePathSchema = z
  .object({
    bucket: z.string().min(1),
    prefix: z.string().default(""),
    /** count: objects directly under the prefix; newest-age: minutes since the newest was updated. */
    measure: z.enum(["count", "newest-age"]).default("count"),
    thresholds: ThresholdsSchema.default({}),
    every: DurationSchema.default("5m"),
  })
  .strict();
export type StoragePathConfig = z.infer<typeof StoragePathSchema>;

export const StorageSchema = z
  .object({
    /** Buckets that must exist. */
    buckets: z.array(z.string().min(1)).default([]),
    paths: z.record(ProbeNameSchema, StoragePathSchema).default({}),
  })
  .strict();

export const SupabaseConfigSchema = z
  .object({
    /** The project URL, e.g. https://abcd.supabase.co */
    url: z.string().url(),
    serviceRoleKey: secret(z.string().min(20, "must be the service-role key")),
    /** A direct Postgres connection string (the pooler URL works too), for SQL probes, the ledger and the fixes. */
    databaseUrl: secret(z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// connection string")).optional(),
    /**
     * Reads (the sql service, runbook SQL, SQL probes, the orders ledger) run after SET LOCAL ROLE
     * to this role; it must not be able to write or reach the server's OS (checked at start), and
     * databaseUrl's user must be a member of it. Without it (and without readOnlyDatabaseUrl) reads
     * run as databaseUrl's own user, which must then be read-only itself.
     */
    readOnlyRole: IdentSchema.optional(),
    /** A separate connection string for reads, logging in as a read-only user (the strongest form). */
    readOnlyDatabaseUrl: secret(z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// connection string")).optional(),
    /** Functions allowed in read-only SQL besides the built-in allow-list (`name` or `schema.name`). */
    allowFunctions: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, "must be a function name such as \"order_total\" or \"shop.order_total\""))
      .default([])
      .superRefine((names, ctx) => {
        for (const [i, n] of names.entries()) if (neverAllowed(n)) ctx.addIssue({ code: "custom", path: [i], message: `${n} can write, lock or reach the server; it is never allowed in read-only SQL` });
      }),
    statementTimeout: DurationSchema.default("5s").refine((v) => parseDuration(v) >= 100 && parseDuration(v) <= 600_000, "must be between 100ms and 10m"),
    maxRows: z.number().int().min(1).max(100_000).default(500),
    queries: z.record(ProbeNameSchema, SqlQuerySchema).default({}),
    presets: z.array(z.enum(["order-health"])).default([]),
    orderHealth: OrderHealthSchema.optional(),
    migrations: MigrationsSchema.optional(),
    webhookEvents: WebhookEventsSchema.optional(),
    /** Tables whose reachability through the REST API (HEAD count with the service key) is a probe. */
    rest: z.object({ tables: z.array(TableSchema).default([]) }).strict().default({ tables: [] }),
    storage: StorageSchema.default({ buckets: [], paths: {} }),
    /** The orders table as the `orders` ledger; enables the single-order fixes. */
    orders: OrdersMappingSchema.optional(),
    /** Coupons and their reservations; enables the expire-coupon-reservation fix. */
    coupons: CouponsMappingSchema.optional(),
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
