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
  schedule: CronExpressionSchema.optional().describe('When to back up (cron syntax in `timezone`, e.g. "15 3 * * *"); watched as the cron job backup-<target>.'),
  verifySchedule: CronExpressionSchema.optional().describe("When to verify the newest good backup by a real restore; watched as the cron job verify-<target>."),
  timezone: TimezoneSchema.describe("IANA time zone the schedules are read in, e.g. Europe/Berlin."),
  maxAge: DurationSchema.default("26h").describe("Older than this, the last good backup counts as stale (warn)."),
  retention: RetentionSchema.default({ daily: 30, weekly: 12, monthly: 12 }).describe("What backups.prune keeps (restic's forget --keep-* rules); the newest verified backup is always kept."),
};

export const PostgresTargetSchema = z
  .object({
    kind: z.literal("postgres").describe("postgres (pg_dump a database), portal (the portal's own store) or firestore (collections through the firestore plugin)."),
    connection: secret(
      z
        .string()
        .regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// connection string")
        .describe("postgres:// URL of the database to dump, e.g. ${SHOP_DATABASE_URL}; kind portal: only when the portal's store is PostgreSQL."),
    ),
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
    collections: z
      .array(z.string().regex(/^[^/\s]+$/, "a top-level collection name (no slashes)").refine((c) => !c.startsWith("__"), { message: "names starting with __ are reserved by Firestore" }))
      .min(1)
      .refine((a) => new Set(a).size === a.length, { message: "lists a collection twice" })
      .describe("kind firestore: top-level collections to export, e.g. [orders, stripeEvents] (their subcollections are not included)."),
    service: z.string().default("firestore.collections").describe("kind firestore: the service that reads and writes collections (the firestore plugin provides it)."),
    verifyEmulatorHost: z
      .string()
      .regex(/^[^\s:/]+:\d{1,5}$/, "must be host:port")
      .optional()
      .describe("kind firestore: host:port of a Firestore emulator to verify into when the connection is production Firestore."),
    ...common,
  })
  .strict();

export const BackupTargetSchema = z.discriminatedUnion("kind", [PostgresTargetSchema, PortalTargetSchema, FirestoreTargetSchema]);
export type BackupTarget = z.infer<typeof BackupTargetSchema>;

export const BackupsConfigSchema = z
  .object({
    targets: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "target names are kebab-case"), BackupTargetSchema)
      .default({})
      .describe("What to back up, by kebab-case name; each gives the backups.<target>-… probes."),
    storage: z
      .object({ dir: z.string().min(1).optional().describe("Folder the dumps and manifests are written to; default backups/ in the plugin's data folder.") })
      .strict()
      .default({})
      .describe("Where backups are stored."),
    gcp: GcpExportsSchema.optional().describe("Managed Firestore exports of a GCP project, watched read-only (probes backups.gcp-exports, backups.gcp-export-folders)."),
  })
  .strict();
export type BackupsConfig = z.infer<typeof BackupsConfigSchema>;
