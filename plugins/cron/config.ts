import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";

export const CronJobSchema = z
  .object({
    title: z.string().optional(),
    schedule: z.string().min(1),
    timezone: z.string().default("UTC"),
    grace: DurationSchema.default("5m"),
    minDuration: DurationSchema.optional(),
    maxDuration: DurationSchema.optional(),
    /** How the job reports: pings to the portal, or a health document read through another plugin. */
    reports: z.enum(["ping", "health-document"]).default("ping"),
    healthDocument: z.string().optional(),
    /** Protected endpoint for "run now", called with the bearer secret. */
    endpoint: z.string().url().optional(),
    secret: secret(z.string().min(8)).optional(),
  })
  .strict();

export const CronConfigSchema = z
  .object({
    /** Secret the jobs send with their pings (Authorization: Bearer). */
    pingSecret: secret(z.string().min(8)).optional(),
    jobs: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "job names are kebab-case"), CronJobSchema).default({}),
  })
  .strict();
export type CronConfig = z.infer<typeof CronConfigSchema>;
