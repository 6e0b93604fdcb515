import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";

/** Operators Firestore evaluates on the server. */
export const SERVER_OPS = ["==", "!=", "<", "<=", ">", ">=", "in", "not-in", "array-contains", "array-contains-any"] as const;
/**
 * Operators Firestore cannot express, evaluated on the documents the server filters return:
 * `missing` (absent or null), `exists` (present and not null), `none-of` (absent, null, or not in the list).
 */
export const CLIENT_OPS = ["missing", "exists", "none-of"] as const;
export type FilterOp = (typeof SERVER_OPS)[number] | (typeof CLIENT_OPS)[number];

const UNARY_OPS = new Set<string>(["missing", "exists"]);
const LIST_OPS = new Set<string>(["in", "not-in", "array-contains-any", "none-of"]);
const RANGE_OPS = new Set<string>(["<", "<=", ">", ">="]);

export const TimestampTypeSchema = z.enum(["timestamp", "millis", "iso"]);
export type TimestampType = z.infer<typeof TimestampTypeSchema>;

/** A moment relative to the read: `{ ago: 10m }`, stored as a Firestore Timestamp unless `as` says otherwise. */
const RelativeTimeSchema = z.object({ ago: DurationSchema, as: TimestampTypeSchema.default("timestamp") }).strict();
export type RelativeTime = z.infer<typeof RelativeTimeSchema>;

type Scalar = string | number | boolean | null;
export type FilterValue = Scalar | Scalar[] | RelativeTime;

export interface QueryFilter {
  field: string;
  op: FilterOp;
  value?: FilterValue;
}

const ALL_OPS: readonly string[] = [...SERVER_OPS, ...CLIENT_OPS];
const isScalar = (v: unknown): v is Scalar => v === null || ["string", "number", "boolean"].includes(typeof v);

/** `[field, op, value]` or `[field, missing|exists]`; the operator is checked at start. */
export const FilterSchema = z
  .array(z.unknown())
  .superRefine((tuple, ctx) => {
    const [field, op, value] = tuple;
    if (typeof field !== "string" || !/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(field)) {
      ctx.addIssue({ code: "custom", path: [0], message: `must be a field path such as "status" or "webhook.processedAt"` });
      return;
    }
    if (typeof op !== "string" || !ALL_OPS.includes(op)) {
      ctx.addIssue({ code: "custom", path: [1], message: `unknown operator ${JSON.stringify(op)} (use one of ${ALL_OPS.join(", ")})` });
      return;
    }
    if (UNARY_OPS.has(op)) {
      if (tuple.length !== 2) ctx.addIssue({ code: "custom", path: [2], message: `"${op}" takes no value: write [${field}, ${op}]` });
      return;
    }
    if (tuple.length !== 3) {
      ctx.addIssue({ code: "custom", message: `must be [field, "${op}", value]` });
      return;
    }
    if (LIST_OPS.has(op)) {
      if (!Array.isArray(value) || value.length === 0 || value.length > 30 || !value.every(isScalar)) {
        ctx.addIssue({ code: "custom", path: [2], message: `"${op}" needs a list of 1 to 30 plain values` });
      }
      return;
    }
    if (isScalar(value)) {
      if (value === null && op !== "==" && op !== "!=") ctx.addIssue({ code: "custom", path: [2], message: `null only works with == and != (or use missing / exists)` });
      return;
    }
    if (value && typeof value === "object" && !Array.isArray(value) && "ago" in value) {
      const parsed = RelativeTimeSchema.safeParse(value);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: [2, ...issue.path.map((p) => p as string | number)], message: issue.message });
      } else if (!RANGE_OPS.has(op) && op !== "==" && op !== "!=") {
        ctx.addIssue({ code: "custom", path: [2], message: `a relative time works with <, <=, >, >=` });
      }
      return;
    }
    ctx.addIssue({ code: "custom", path: [2], message: `must be a string, number, boolean, null, a list, or { ago: 10m }` });
  })
  .transform((tuple): QueryFilter => {
    const [field, op, value] = tuple as [string, FilterOp, unknown];
    if (UNARY_OPS.has(op)) return { field, op };
    if (value && typeof value === "object" && !Array.isArray(value)) return { field, op, value: RelativeTimeSchema.parse(value) };
    return { field, op, value: value as FilterValue };
  });

const THRESHOLD = /^\s*(>|>=|<|<=|==|!=)\s*-?\d+(\.\d+)?(\s+for\s+\d+(\.\d+)?\s*(ms|s|m|h|d))?\s*$/;
const ThresholdSchema = z.string().regex(THRESHOLD, 'must look like "> 0", ">= 5" or "> 0 for 10m"');
const ThresholdsSchema = z.object({ warn: ThresholdSchema.optional(), critical: ThresholdSchema.optional() }).strict();

const FieldPathSchema = z.string().regex(/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/, "must be a field path");
const CollectionSchema = z
  .string()
  .regex(/^[^/\s]+(\/[^/\s]+\/[^/\s]+)*$/, 'must be a collection path such as "orders" or "users/u1/orders"');
const DocumentSchema = z
  .string()
  .regex(/^[^/\s]+\/[^/\s]+(\/[^/\s]+\/[^/\s]+)*$/, 'must be a document path such as "opsHealth/autoReleaseProtected"');
const ProbeNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "probe names are kebab-case");

export const QueryProbeSchema = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    collection: CollectionSchema,
    filters: z.array(FilterSchema).default([]),
    /** count: how many documents match; newest-age: minutes since the newest matching document's `field`. */
    measure: z.enum(["count", "newest-age"]).default("count"),
    field: FieldPathSchema.optional(),
    unit: z.string().optional(),
    thresholds: ThresholdsSchema.default({}),
    every: DurationSchema.default("1m"),
    timeout: DurationSchema.default("5s"),
    /** Fields shown for each matching document (up to 20 rows). */
    show: z.array(FieldPathSchema).default([]),
    /** Most documents read when an operator must be evaluated here rather than by Firestore. */
    scanLimit: z.number().int().min(1).max(50_000).default(5_000),
    /** newest-age only: status when no document matches. */
    whenEmpty: z.enum(["ok", "warn", "critical", "unknown"]).default("warn"),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.measure === "newest-age" && !q.field) ctx.addIssue({ code: "custom", path: ["field"], message: "newest-age needs the timestamp field to measure" });
  });
export type QueryProbeConfig = z.infer<typeof QueryProbeSchema>;

export const OpsHealthFieldsSchema = z
  .object({
    lastRunAt: FieldPathSchema.default("lastRunAt"),
    scanned: FieldPathSchema.default("scannedCount"),
    released: FieldPathSchema.default("releasedCount"),
    errors: FieldPathSchema.default("errorsCount"),
    lastError: FieldPathSchema.default("lastError"),
  })
  .strict();
const OPS_HEALTH_FIELD_DEFAULTS = { lastRunAt: "lastRunAt", scanned: "scannedCount", released: "releasedCount", errors: "errorsCount", lastError: "lastError" };

export const OpsHealthSchema = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    document: DocumentSchema,
    /** How often the job runs; stale when the last run is older than interval + grace. */
    interval: DurationSchema,
    grace: DurationSchema.default("5m"),
    staleStatus: z.enum(["warn", "critical"]).default("critical"),
    errorsStatus: z.enum(["warn", "critical"]).default("critical"),
    fields: OpsHealthFieldsSchema.default(OPS_HEALTH_FIELD_DEFAULTS),
    every: DurationSchema.default("1m"),
    timeout: DurationSchema.default("5s"),
  })
  .strict();
export type OpsHealthConfig = z.infer<typeof OpsHealthSchema>;

const ORDER_FIELD_DEFAULTS = {
  status: "status",
  paymentIntent: "stripePaymentIntentId",
  amount: "amount",
  currency: "currency",
  customerEmail: "buyerEmail",
  transferId: "stripeTransferId",
  createdAt: "createdAt",
  paidAt: "paidAt",
  completedAt: "completedAt",
  adminHold: "adminHold",
  notes: "internalNotes",
};

export const OrdersLedgerSchema = z
  .object({
    collection: CollectionSchema.default("orders"),
    fields: z
      .object({
        status: FieldPathSchema.default("status"),
        paymentIntent: FieldPathSchema.default("stripePaymentIntentId"),
        amount: FieldPathSchema.default("amount"),
        currency: FieldPathSchema.default("currency"),
        customerEmail: FieldPathSchema.default("buyerEmail"),
        transferId: FieldPathSchema.default("stripeTransferId"),
        createdAt: FieldPathSchema.default("createdAt"),
        paidAt: FieldPathSchema.default("paidAt"),
        completedAt: FieldPathSchema.default("completedAt"),
        adminHold: FieldPathSchema.default("adminHold"),
        notes: FieldPathSchema.default("internalNotes"),
      })
      .strict()
      .default(ORDER_FIELD_DEFAULTS),
    /** minor: amounts are stored in cents (as Stripe does); major: in currency units. */
    amountUnit: z.enum(["minor", "major"]).default("minor"),
    /** How the timestamps are stored, for range queries. */
    timestampType: TimestampTypeSchema.default("timestamp"),
    /** Statuses the set-order-status fix may write. */
    settableStatuses: z.array(z.string().min(1)).min(1).default(["cancelled", "refunded", "completed"]),
    /** Most orders one listOrders call returns. */
    maxOrders: z.number().int().min(1).max(100_000).default(10_000),
  })
  .strict();
export type OrdersLedgerConfig = z.infer<typeof OrdersLedgerSchema>;

export const FirestoreConfigSchema = z
  .object({
    projectId: z.string().min(1),
    /** Path to a service-account JSON file, or the JSON itself (secret), or an emulator host. */
    serviceAccountFile: z.string().optional(),
    serviceAccountJson: secret(z.string()).optional(),
    emulatorHost: z.string().regex(/^[\w.-]+:\d+$/, "must be host:port").optional(),
    databaseId: z.string().optional(),
    queries: z.record(ProbeNameSchema, QueryProbeSchema).default({}),
    opsHealth: z.record(ProbeNameSchema, OpsHealthSchema).default({}),
    /** The orders ledger (service `orders`) and its single-document fixes; off when absent. */
    orders: OrdersLedgerSchema.optional(),
    /** Where processed Stripe event ids are recorded; enables the record-stripe-event fix. */
    stripeEvents: z.object({ collection: CollectionSchema.default("stripeEvents") }).strict().optional(),
  })
  .strict()
  .refine((c) => c.serviceAccountFile || c.serviceAccountJson || c.emulatorHost, {
    message: "set one of serviceAccountFile, serviceAccountJson or emulatorHost",
  })
  .superRefine((c, ctx) => {
    for (const name of Object.keys(c.opsHealth)) {
      if (name in c.queries) ctx.addIssue({ code: "custom", path: ["opsHealth", name], message: `probe name "${name}" is also used under queries` });
    }
  });
export type FirestoreConfig = z.infer<typeof FirestoreConfigSchema>;
