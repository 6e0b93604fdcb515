import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";
import { MongoQueryError, parseMongoQuery } from "./query-parse";

const ThresholdSchema = z
  .string()
  .regex(/^\s*(>=|<=|==|!=|>|<)\s*-?\d+(\.\d+)?(\s+for\s+\d+(\.\d+)?\s*(ms|s|m|h|d))?\s*$/, 'must be a threshold such as "> 0" or "> 0 for 10m"');
const ThresholdsSchema = z
  .object({
    warn: ThresholdSchema.optional().describe('Warn when the value meets this, e.g. "> 0" or "> 0 for 10m"'),
    critical: ThresholdSchema.optional().describe('Critical when the value meets this, e.g. "> 5 for 10m"'),
  })
  .strict();

export const MongoUriSchema = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    if (!/^mongodb(\+srv)?:\/\/[^\s]+$/.test(v)) ctx.addIssue({ code: "custom", message: 'must start with "mongodb://" or "mongodb+srv://" (e.g. mongodb+srv://<user>:<password>@<cluster>.mongodb.net)' });
    else if (/CHANGE_ME|<password>|<user>/i.test(v)) ctx.addIssue({ code: "custom", message: "still holds a placeholder" });
  });

const NameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, "names are kebab-case: they become probe ids");
const FieldPathSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, "a field path such as status or webhook.processedAt").refine((p) => !p.split(".").some((s) => ["__proto__", "constructor", "prototype"].includes(s)), "refused field name");

export const QuerySpecSchema = z
  .object({
    title: z.string().max(200).optional().describe("What the probe shows, in the operator's words"),
    description: z.string().max(500).optional().describe("A longer note shown with the probe"),
    query: z
      .string()
      .min(1)
      .max(20_000)
      .superRefine((q, ctx) => {
        try {
          parseMongoQuery(q);
        } catch (err) {
          ctx.addIssue({ code: "custom", message: err instanceof MongoQueryError ? err.message : String(err) });
        }
      })
      .describe("A mongosh query as runbooks write it, e.g. db.orders.countDocuments({ status: \"paid\" }); never evaluated"),
    measure: z.enum(["count", "value", "rows"]).default("count").describe("count: documents matched; value: the first numeric field of the first row; rows: rows returned (up to maxRows)"),
    unit: z.string().max(40).optional().describe("Unit shown beside the value (default documents)"),
    thresholds: ThresholdsSchema.optional().describe('e.g. { critical: "> 0 for 10m" }'),
    every: DurationSchema.optional().describe("How often the probe reads (default 1m)"),
  })
  .strict();
export type QuerySpec = z.infer<typeof QuerySpecSchema>;

export const OrdersMappingSchema = z
  .object({
    collection: z.string().default("orders").describe("The orders collection"),
    fields: z
      .object({
        id: FieldPathSchema.default("_id").describe("Field holding the order's id (dotted paths allowed)"),
        status: FieldPathSchema.default("status").describe("Field holding the order's status (dotted paths allowed)"),
        paymentIntent: FieldPathSchema.default("paymentIntentId").describe("Field holding the order's paymentIntent (dotted paths allowed)"),
        amount: FieldPathSchema.default("amount").describe("Field holding the order's amount (dotted paths allowed)"),
        currency: FieldPathSchema.default("currency").describe("Field holding the order's currency (dotted paths allowed)"),
        customerEmail: FieldPathSchema.default("customerEmail").describe("Field holding the order's customerEmail (dotted paths allowed)"),
        transferId: FieldPathSchema.default("transferId").describe("Field holding the order's transferId (dotted paths allowed)"),
        createdAt: FieldPathSchema.default("createdAt").describe("Field holding the order's createdAt (dotted paths allowed)"),
        paidAt: FieldPathSchema.default("paidAt").describe("Field holding the order's paidAt (dotted paths allowed)"),
        completedAt: FieldPathSchema.default("completedAt").describe("Field holding the order's completedAt (dotted paths allowed)"),
      })
      .strict()
      .prefault({})
      .describe("Where each order fact lives in a document"),
    amountUnit: z.enum(["minor", "major"]).default("minor").describe("minor: cents; major: dollars"),
    maxOrders: z.number().int().min(1).max(50_000).default(5000).describe("Orders read for one reconciliation window at most"),
  })
  .strict();
export type OrdersMapping = z.infer<typeof OrdersMappingSchema>;

export const MongoConfigSchema = z
  .object({
    uri: secret(MongoUriSchema).describe("Connection string (secret: it carries the password). A read-only user is enough for probes and queries; fixes need readWrite on the fixed collections, kill-op needs killop"),
    database: z.string().regex(/^[^/\\. "$*<>:|?]{1,63}$/, "a database name").describe("The database the queries read"),
    readPreference: z.enum(["primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest"]).default("secondaryPreferred").describe("Where reads go; fixes always go to the primary"),
    maxTimeMS: z.number().int().min(100).max(300_000).default(5000).describe("Server-side time limit of every read (ms)"),
    maxRows: z.number().int().min(1).max(5000).default(200).describe("Rows returned by a query at most; the rest are never fetched"),
    queries: z
      .record(NameSchema, QuerySpecSchema)
      .default({})
      .describe("Configured queries by name: each becomes the probe mongodb.<name>"),
    health: z
      .object({
        slowOperationSeconds: z.number().min(1).max(86_400).default(30).describe("An operation running at least this long is slow"),
        slowOperations: ThresholdsSchema.default({ warn: "> 0" }).describe("Thresholds on the number of slow operations"),
        pingMs: ThresholdsSchema.default({ warn: "> 250", critical: "> 2000" }).describe("Thresholds on ping latency (ms)"),
        connections: ThresholdsSchema.optional().describe("Thresholds on connections in use"),
        replicationLagSeconds: ThresholdsSchema.default({ warn: "> 10", critical: "> 60" }).describe("Thresholds on the largest replication lag (s)"),
      })
      .strict()
      .prefault({})
      .describe("Server health probes: ping, connections, replication lag, slow operations"),
    fixes: z
      .record(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$/), z.object({ fields: z.array(FieldPathSchema).min(1).max(50).describe("Dotted field paths fix-document may $set") }).strict())
      .default({})
      .describe("Collections that mongodb.fix-document may change, and the only fields it may set in each"),
    orders: OrdersMappingSchema.optional().describe("Provides the orders ledger (reconciliation compares Stripe with it)"),
  })
  .strict();
export type MongoConfig = z.infer<typeof MongoConfigSchema>;
