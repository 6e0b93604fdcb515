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
const TIMESTAMP_TYPES = "timestamp (a Firestore Timestamp), millis (epoch milliseconds) or iso (an ISO 8601 string)";
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
const ThresholdsSchema = z
  .object({
    warn: ThresholdSchema.optional().describe('When the figure warns, e.g. "> 0" or "> 5 for 10m".'),
    critical: ThresholdSchema.optional().describe('When the figure is critical, e.g. "> 10" or "> 0 for 30m".'),
  })
  .strict();

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
    title: z.string().optional().describe("Name shown on the overview; default the probe name."),
    description: z.string().optional().describe("One sentence under the title saying what a non-zero figure means."),
    collection: CollectionSchema.describe('Collection to query, e.g. orders or users/u1/orders (a subcollection path).'),
    filters: z
      .array(FilterSchema)
      .default([])
      .describe(
        "Filters as [field, op, value] (ops ==, !=, <, <=, >, >=, in, not-in, array-contains, array-contains-any) or [field, missing|exists], or [field, none-of, [..]]; a value may be { ago: 10m } (a moment before the read). missing, exists and none-of are checked on the returned documents.",
      ),
    measure: z
      .enum(["count", "newest-age"])
      .default("count")
      .describe("count: how many documents match; newest-age: minutes since the newest matching document's `field`."),
    field: FieldPathSchema.optional().describe("newest-age only: the timestamp field to measure, e.g. createdAt."),
    unit: z.string().optional().describe('Unit shown with the figure, e.g. "orders" (default documents, or min for newest-age).'),
    thresholds: ThresholdsSchema.default({}).describe("Status thresholds on the figure."),
    every: DurationSchema.default("1m").describe("How often the query runs."),
    timeout: DurationSchema.default("5s").describe("How long a read may take before the probe reads unknown."),
    show: z.array(FieldPathSchema).default([]).describe("Fields shown for each matching document (up to 20 rows), e.g. [status, buyerEmail]."),
    scanLimit: z
      .number()
      .int()
      .min(1)
      .max(50_000)
      .default(5_000)
      .describe("Most documents read when an operator (missing, exists, none-of) is evaluated here rather than by Firestore."),
    whenEmpty: z.enum(["ok", "warn", "critical", "unknown"]).default("warn").describe("newest-age only: the status when no document matches."),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.measure === "newest-age" && !q.field) ctx.addIssue({ code: "custom", path: ["field"], message: "newest-age needs the timestamp field to measure" });
  });
export type QueryProbeConfig = z.infer<typeof QueryProbeSchema>;

export const OpsHealthFieldsSchema = z
  .object({
    lastRunAt: FieldPathSchema.default("lastRunAt").describe("Field holding the time of the job's last run."),
    scanned: FieldPathSchema.default("scannedCount").describe("Field holding how many items the last run looked at."),
    released: FieldPathSchema.default("releasedCount").describe("Field holding how many items the last run acted on."),
    errors: FieldPathSchema.default("errorsCount").describe("Field holding how many errors the last run had; above 0 is errorsStatus."),
    lastError: FieldPathSchema.default("lastError").describe("Field holding the last run's error message, if any."),
  })
  .strict();
const OPS_HEALTH_FIELD_DEFAULTS = { lastRunAt: "lastRunAt", scanned: "scannedCount", released: "releasedCount", errors: "errorsCount", lastError: "lastError" };

export const OpsHealthSchema = z
  .object({
    title: z.string().optional().describe("Name shown on the overview; default the probe name."),
    description: z.string().optional().describe("One sentence under the title saying what the job does."),
    document: DocumentSchema.describe("The job's health document, e.g. opsHealth/autoReleaseProtected."),
    interval: DurationSchema.describe("How often the job runs, e.g. 10m; stale when the last run is older than interval + grace."),
    grace: DurationSchema.default("5m").describe("Slack allowed after interval before the job counts as stale."),
    staleStatus: z.enum(["warn", "critical"]).default("critical").describe("Status when the last run is older than interval + grace."),
    errorsStatus: z.enum(["warn", "critical"]).default("critical").describe("Status when the last run reported errors (errors > 0 or a lastError)."),
    fields: OpsHealthFieldsSchema.default(OPS_HEALTH_FIELD_DEFAULTS).describe("Field names inside the health document."),
    every: DurationSchema.default("1m").describe("How often the document is read."),
    timeout: DurationSchema.default("5s").describe("How long a read may take before the probe reads unknown."),
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
    collection: CollectionSchema.default("orders").describe("The orders collection."),
    fields: z
      .object({
        status: FieldPathSchema.default("status").describe("Field holding the order's status (paid, completed, cancelled…)."),
        paymentIntent: FieldPathSchema.default("stripePaymentIntentId").describe("Field holding the Stripe payment intent id (pi_…)."),
        amount: FieldPathSchema.default("amount").describe("Field holding the order's amount, in amountUnit."),
        currency: FieldPathSchema.default("currency").describe("Field holding the ISO currency code, e.g. eur."),
        customerEmail: FieldPathSchema.default("buyerEmail").describe("Field holding the buyer's email address."),
        transferId: FieldPathSchema.default("stripeTransferId").describe("Field holding the Stripe transfer id (tr_…) paid out for the order."),
        createdAt: FieldPathSchema.default("createdAt").describe("Field holding when the order was created."),
        paidAt: FieldPathSchema.default("paidAt").describe("Field holding when the order was paid."),
        completedAt: FieldPathSchema.default("completedAt").describe("Field holding when the order was completed."),
        adminHold: FieldPathSchema.default("adminHold").describe("Boolean field that holds the order back from automation; toggle-admin-hold flips it."),
        notes: FieldPathSchema.default("internalNotes").describe("Array field of internal notes; add-internal-note appends to it."),
      })
      .strict()
      .default(ORDER_FIELD_DEFAULTS)
      .describe("Field names inside an order document."),
    amountUnit: z.enum(["minor", "major"]).default("minor").describe("minor: amounts are stored in cents (as Stripe does); major: in currency units (12.50)."),
    timestampType: TimestampTypeSchema.default("timestamp").describe(`How the order timestamps are stored, for range queries: ${TIMESTAMP_TYPES}.`),
    settableStatuses: z
      .array(z.string().min(1))
      .min(1)
      .default(["cancelled", "refunded", "completed"])
      .describe("Statuses the firestore.set-order-status fix may write."),
    maxOrders: z.number().int().min(1).max(100_000).default(10_000).describe("Most orders one ledger read (a reconciliation window) returns."),
  })
  .strict();
export type OrdersLedgerConfig = z.infer<typeof OrdersLedgerSchema>;

export const FirestoreConfigSchema = z
  .object({
    projectId: z
      .string()
      .min(1)
      .optional()
      .describe("The Google Cloud project id, e.g. wildlife-exchange-prod; default the credential's (the key's project_id, the service account's e-mail domain, or application-default's project)."),
    clientEmail: z
      .string()
      .min(1)
      .optional()
      .describe("The service account's e-mail, e.g. ${FIREBASE_CLIENT_EMAIL}; with privateKey."),
    privateKey: secret(z.string())
      .optional()
      .describe("The service account's PEM private key, e.g. ${FIREBASE_PRIVATE_KEY}, with real newlines or \\n escapes; with clientEmail."),
    serviceAccountFile: z.string().optional().describe("Path to a service-account JSON key file."),
    serviceAccountJson: secret(z.string()).optional().describe("The service-account JSON key itself, e.g. ${FIRESTORE_SERVICE_ACCOUNT}."),
    applicationDefault: z
      .boolean()
      .optional()
      .describe("true: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, or the metadata server on Google Cloud)."),
    emulatorHost: z
      .string()
      .regex(/^[\w.-]+:\d+$/, "must be host:port")
      .optional()
      .describe("host:port of a Firestore emulator, e.g. 127.0.0.1:8080; the emulator checks no credentials."),
    databaseId: z.string().optional().describe("A named Firestore database; default (default)."),
    queries: z.record(ProbeNameSchema, QueryProbeSchema).default({}).describe("Query probes by kebab-case name; each becomes firestore.<name>."),
    opsHealth: z
      .record(ProbeNameSchema, OpsHealthSchema)
      .default({})
      .describe("Health documents that scheduled jobs write, by probe name; each becomes firestore.<name>."),
    orders: OrdersLedgerSchema.optional().describe("The orders ledger (service `orders`, for stripe.reconcile) and its single-document fixes; off when absent."),
    stripeEvents: z
      .object({ collection: CollectionSchema.default("stripeEvents").describe("Collection whose document ids are processed Stripe event ids.") })
      .strict()
      .optional()
      .describe("Where the app records processed Stripe event ids; enables the firestore.record-stripe-event fix."),
  })
  .strict()
  .superRefine((c, ctx) => {
    const sources = [
      (c.clientEmail || c.privateKey) && "clientEmail + privateKey",
      c.serviceAccountFile && "serviceAccountFile",
      c.serviceAccountJson && "serviceAccountJson",
      c.applicationDefault && "applicationDefault",
    ].filter(Boolean);
    if (sources.length === 0 && !c.emulatorHost) {
      ctx.addIssue({ code: "custom", message: "set one of clientEmail + privateKey, serviceAccountFile, serviceAccountJson, applicationDefault: true or emulatorHost" });
    }
    if (sources.length > 1) ctx.addIssue({ code: "custom", message: `set only one credential, not ${sources.join(" and ")}` });
    if (c.clientEmail && !c.privateKey) ctx.addIssue({ code: "custom", path: ["privateKey"], message: "clientEmail needs privateKey" });
    if (c.privateKey && !c.clientEmail) ctx.addIssue({ code: "custom", path: ["clientEmail"], message: "privateKey needs clientEmail" });
  })
  .superRefine((c, ctx) => {
    for (const name of Object.keys(c.opsHealth)) {
      if (name in c.queries) ctx.addIssue({ code: "custom", path: ["opsHealth", name], message: `probe name "${name}" is also used under queries` });
    }
  });
export type FirestoreConfig = z.infer<typeof FirestoreConfigSchema>;
