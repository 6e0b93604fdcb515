import { z } from "zod";
import { DurationSchema } from "../plugin-api";

export const BackupTargetSchema = z
  .object({
    kind: z.enum(["pg_dump", "directory"]),
    /** For pg_dump: the database URL (secret via ${ENV}); for directory: where exports land. */
    source: z.string().min(1),
    destination: z.string().min(1),
    maxAge: DurationSchema.default("26h"),
    retention: z.object({ daily: z.number().int().min(1).default(30), weekly: z.number().int().min(0).default(12), monthly: z.number().int().min(0).default(12) }).strict().default({ daily: 30, weekly: 12, monthly: 12 }),
  })
  .strict();

export const BackupsConfigSchema = z
  .object({ targets: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "target names are kebab-case"), BackupTargetSchema).default({}) })
  .strict();
export type BackupsConfig = z.infer<typeof BackupsConfigSchema>;
