import { Cron } from "croner";
import { z } from "zod";
import { DurationSchema, secret, TimezoneSchema, validTimezone } from "../plugin-api";

/** A health document another plugin serves (`firestore.documents`), read instead of (or beside) pings. */
export const HealthDocumentSchema = z
  .object({
    service: z.string().default("firestore.documents").describe("The service that reads documents (get(path) → fields or null); the firestore plugin provides firestore.documents."),
    path: z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+(\/[^/\s]+\/[^/\s]+)*$/, 'must be a document path such as "opsHealth/autoReleaseProtected"')
      .describe("The document the job writes after each run, e.g. opsHealth/autoReleaseProtected."),
    fields: z
      .object({
        lastRunAt: z.string().default("lastRunAt").describe("Field holding when the last run ended; each new value is one run."),
        startedAt: z.string().default("startedAt").describe("Field holding when the last run started."),
        durationMs: z.string().default("durationMs").describe("Field holding the last run's duration in milliseconds."),
        errors: z.string().default("errorsCount").describe("Field holding the last run's error count; above 0 counts as a failed run."),
        lastError: z.string().default("lastError").describe("Field holding the last run's error message; present counts as a failed run."),
        scanned: z.string().default("scannedCount").describe("Field holding how many items the last run looked at (shown with the run)."),
        released: z.string().default("releasedCount").describe("Field holding how many items the last run acted on (shown with the run)."),
      })
      .strict()
      .prefault({})
      .describe("Field names inside the document."),
    every: DurationSchema.default("30s").describe("How often the document is read for a new run."),
  })
  .strict();

export const CronJobSchema = z
  .object({
    title: z.string().optional().describe("Name shown on the overview; default the job name."),
    description: z.string().optional().describe("One sentence saying what the job does."),
    schedule: z.string().min(1).describe('Cron syntax (5 or 6 fields), evaluated by croner in `timezone`, DST-correct, e.g. "*/10 * * * *".'),
    timezone: TimezoneSchema.describe("IANA time zone the schedule is read in, e.g. Europe/Berlin."),
    grace: DurationSchema.default("5m").describe("How late a start may be: late inside grace, down after."),
    maxRuntime: DurationSchema.optional().describe('A run still going after this is "running too long"; without it, a start with no end within grace is down.'),
    minRuntime: DurationSchema.optional().describe('A successful run shorter than this "ran too fast" (critical); without it the learned p5 band applies after 10 runs.'),
    failuresBeforeCritical: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(1)
      .describe("Failures in a row before the job is critical; fewer warn."),
    pingToken: secret(z.string().min(8))
      .optional()
      .describe("Token this job sends with its pings (Authorization: Bearer, or in /ping/<token>/<job>); default plugins.cron.pingToken."),
    healthDocument: HealthDocumentSchema.optional().describe("A health document the job writes, read through a service instead of (or beside) pings."),
    endpoint: z.string().url().optional().describe("The job's protected endpoint that cron.run-now calls, e.g. https://app.example/api/cron/engagement."),
    method: z.enum(["GET", "POST"]).default("POST").describe("HTTP method cron.run-now uses."),
    secret: secret(z.string().min(8))
      .optional()
      .describe("Sent by cron.run-now as Authorization: Bearer …, e.g. ${CRON_SECRET}; without it run-now refuses."),
    runNowTimeout: DurationSchema.default("60s").describe("How long cron.run-now waits for the endpoint's answer."),
    dryRun: z
      .string()
      .regex(/^[\w.~-]+=[\w.~-]*(&[\w.~-]+=[\w.~-]*)*$/, 'must be a query string such as "dryRun=1"')
      .optional()
      .describe('A query string that makes the endpoint answer without running the job, e.g. dryRun=1: the doctor then sends method with it and the secret; without it the doctor sends HEAD without the secret.'),
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
    pingToken: secret(z.string().min(8)).optional().describe("Default ping token for jobs without their own, usually ${CRON_PING_TOKEN} (at least 8 characters)."),
    excerptBytes: z.number().int().min(0).max(100_000).default(10_000).describe("Largest ping body, in bytes, kept as the run's log excerpt."),
    runNowRisk: z.enum(["low", "high", "critical"]).default("low").describe("Risk of cron.run-now, which decides who may press it and whether a second admin approves."),
    jobs: z.record(z.string(), CronJobSchema).default({}).describe("Jobs by kebab-case name; each becomes the probe cron.<name>."),
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
