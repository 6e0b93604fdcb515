import { Cron } from "croner";
import { z } from "zod";
import { DurationSchema, secret, TimezoneSchema, validTimezone } from "../plugin-api";

/** A health document another plugin serves (`firestore.documents`), read instead of (or beside) pings. */
export const HealthDocumentSchema = z
  .object({
    /** Service that reads documents: `get(path)` → fields or null. */
    service: z.string().default("firestore.documents"),
    path: z.string().regex(/^[^/\s]+\/[^/\s]+(\/[^/\s]+\/[^/\s]+)*$/, 'must be a document path such as "opsHealth/autoReleaseProtected"'),
    /** Field names inside the document. */
    fields: z
      .object({
        lastRunAt: z.string().default("lastRunAt"),
        startedAt: z.string().default("startedAt"),
        durationMs: z.string().default("durationMs"),
        errors: z.string().default("errorsCount"),
        lastError: z.string().default("lastError"),
        scanned: z.string().default("scannedCount"),
        released: z.string().default("releasedCount"),
      })
      .strict()
      .prefault({}),
    /** How often the document is read for a new run. */
    every: DurationSchema.default("30s"),
  })
  .strict();

export const CronJobSchema = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    /** Cron syntax (5 or 6 fields), evaluated by croner in `timezone`. */
    schedule: z.string().min(1),
    timezone: TimezoneSchema,
    /** How late a start may be before the job is down. */
    grace: DurationSchema.default("5m"),
    /** A run still going after this is "running too long"; without it, a start with no end within grace is down. */
    maxRuntime: DurationSchema.optional(),
    /** A successful run shorter than this "ran too fast"; without it the learned p5 band applies after 10 runs. */
    minRuntime: DurationSchema.optional(),
    failuresBeforeCritical: z.number().int().min(1).max(100).default(1),
    /** Token the job sends with its pings (Authorization: Bearer, or in /ping/<token>/<job>). Defaults to plugins.cron.pingToken. */
    pingToken: secret(z.string().min(8)).optional(),
    healthDocument: HealthDocumentSchema.optional(),
    /** Protected endpoint "run now" calls with `Authorization: Bearer <secret>`. */
    endpoint: z.string().url().optional(),
    method: z.enum(["GET", "POST"]).default("POST"),
    secret: secret(z.string().min(8)).optional(),
    runNowTimeout: DurationSchema.default("60s"),
  })
  .strict()
  .superRefine((job, ctx) => {
    try {
      new Cron(job.schedule, { timezone: validTimezone(job.timezone) ? job.timezone : "UTC", paused: true });
    } catch (err) {
      ctx.addIssue({ code: "custom", path: ["schedule"], message: `not a cron schedule: ${(err as Error).message}` });
    }
    if (job.minRuntime && job.maxRuntime && toMs(job.minRuntime) >= toMs(job.maxRuntime)) {
      ctx.addIssue({ code: "custom", path: ["minRuntime"], message: "must be shorter than maxRuntime" });
    }
  });

function toMs(d: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(d.trim());
  if (!m) return NaN;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms"];
}

export const JobNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "job names are kebab-case")
  .refine((n) => n !== "jobs", { message: '"jobs" is reserved for the cron.jobs table' });

export const CronConfigSchema = z
  .object({
    /** Default ping token for jobs without their own (usually ${CRON_PING_TOKEN}). */
    pingToken: secret(z.string().min(8)).optional(),
    /** Largest ping body kept as the run's log excerpt. */
    excerptBytes: z.number().int().min(0).max(100_000).default(10_000),
    /** Risk of cron.run-now (who may press it). */
    runNowRisk: z.enum(["low", "high", "critical"]).default("low"),
    jobs: z.record(z.string(), CronJobSchema).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Checked here rather than as the record's key schema, so the message names the job.
    for (const name of Object.keys(c.jobs)) {
      const r = JobNameSchema.safeParse(name);
      if (!r.success) ctx.addIssue({ code: "custom", path: ["jobs", name], message: r.error.issues[0]!.message });
    }
  });

export type CronConfig = z.infer<typeof CronConfigSchema>;
export type CronJob = z.infer<typeof CronJobSchema>;
export type HealthDocumentConfig = z.infer<typeof HealthDocumentSchema>;
