import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";

const RetentionSchema = z
  .object({
    daily: z.number().int().min(0).default(30),
    weekly: z.number().int().min(0).default(12),
    monthly: z.number().int().min(0).default(12),
  })
  .strict();

const common = {
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

export const BackupTargetSchema = z.discriminatedUnion("kind", [PostgresTargetSchema, PortalTargetSchema]);
export type BackupTarget = z.infer<typeof BackupTargetSchema>;

export const BackupsConfigSchema = z
  .object({
    targets: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "target names are kebab-case"), BackupTargetSchema).default({}),
    storage: z.object({ dir: z.string().min(1).optional() }).strict().default({}),
  })
  .strict();
export type BackupsConfig = z.infer<typeof BackupsConfigSchema>;
