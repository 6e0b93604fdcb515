import { Cron } from "croner";
import { z } from "zod";
import { DurationSchema, secret, TimezoneSchema } from "../plugin-api";
import { GcpExportsSchema } from "./gcp-exports";

/** restic's `forget --keep-*` rules; whatever they say, the newest verified backup is kept. */
const RetentionSchema = z
  .object({
    last: z.number().int().min(0).optional().describe("keep-last: the N newest backups"),
    hourly: z.number().int().min(0).optional().describe("keep-hourly: the newest backup of each of the N most recent hours"),
    daily: z.number().int().min(0).default(30).describe("keep-daily: the newest backup of each of the N most recent days"),
    weekly: z.number().int().min(0).default(12).describe("keep-weekly: the newest backup of each of the N most recent ISO weeks"),
    monthly: z.number().int().min(0).default(12).describe("keep-monthly: the newest backup of each of the N most recent months"),
    yearly: z.number().int().min(0).optional().describe("keep-yearly: the newest backup of each of the N most recent years"),
  })
  .strict();

/** Cron syntax (5 or 6 fields), evaluated by croner. */
const CronExpressionSchema = z.string().superRefine((expr, ctx) => {
  try {
    new Cron(expr, { paused: true });
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `not a cron schedule: ${(err as Error).message}` });
  }
});

const common = {
  /** When to back up (cron syntax in `timezone`); each schedule is watched as a cron job `backup-<target>`. */
  schedule: CronExpressionSchema.optional(),
  /** When to verify the newest good backup by a real restore; watched as cron job `verify-<target>`. */
  verifySchedule: CronExpressionSchema.optional(),
  timezone: TimezoneSchema,
  /** Older than this, the last good backup counts as stale (warn). */
  maxAge: DurationSchema.default("26h"),
  retention: RetentionSchema.default({ daily: 30, weekly: 12, monthly: 12 }),
};

export const PostgresTargetSchema = z
  .object({
    kind: z.literal("postgres"),
    /** postgres:// URL of the database to dump (secret: use ${ENV}). */
    connection: secret(z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// connection string")),
    ...common,
  })
  .strict();

export const PortalTargetSchema = z
  .object({
    kind: z.literal("portal"),
    /**
     * Only when the portal's store is PostgreSQL: its URL again (secret), for pg_dump. On SQLite the
     * plugin finds the file itself and uses the online backup API.
     */
    connection: secret(z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// connection string")).optional(),
    ...common,
  })
  .strict();

export const FirestoreTargetSchema = z
  .object({
    kind: z.literal("firestore"),
    /** Top-level collections to export (their subcollections are not included). */
    collections: z
      .array(z.string().regex(/^[^/\s]+$/, "a top-level collection name (no slashes)").refine((c) => !c.startsWith("__"), { message: "names starting with __ are reserved by Firestore" }))
      .min(1)
      .refine((a) => new Set(a).size === a.length, { message: "lists a collection twice" }),
    /** The service that reads and writes collections (the firestore plugin provides it). */
    service: z.string().default("firestore.collections"),
    /** host:port of a Firestore emulator to verify into when the connection is production Firestore. */
    verifyEmulatorHost: z.string().regex(/^[^\s:/]+:\d{1,5}$/, "must be host:port").optional(),
    ...common,
  })
  .strict();

export const BackupTargetSchema = z.discriminatedUnion("kind", [PostgresTargetSchema, PortalTargetSchema, FirestoreTargetSchema]);
export type BackupTarget = z.infer<typeof BackupTargetSchema>;

export const BackupsConfigSchema = z
  .object({
    targets: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "target names are kebab-case"), BackupTargetSchema).default({}),
    storage: z.object({ dir: z.string().min(1).optional() }).strict().default({}),
    /** Optional: managed Firestore exports of a GCP project, watched read-only (probes gcp-exports, gcp-export-folders). */
    gcp: GcpExportsSchema.optional(),
  })
  .strict();
export type BackupsConfig = z.infer<typeof BackupsConfigSchema>;
