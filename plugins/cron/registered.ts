// Jobs that another plugin runs on its own schedule (`cron.pings`.register): watched like
// configured jobs, their runs reported in-process (source "plugin"), never through HTTP pings.
import crypto from "node:crypto";
import type { CronJobReporter, RegisteredCronJob } from "./api";
import { CronJobSchema, JobNameSchema, type CronConfig } from "./config";
import { jobProbe, type JobReader } from "./jobs";
import type { CronStore } from "./store";

export function registerJob(o: { config: CronConfig; store: CronStore; reader: JobReader; registered: Set<string>; now(): number }, job: RegisteredCronJob): CronJobReporter {
  const name = JobNameSchema.safeParse(job.name);
  if (!name.success) throw new Error(`cron job "${job.name}": ${name.error.issues[0]!.message}`);
  if (o.config.jobs[job.name]) throw new Error(`cron job "${job.name}" already exists`);
  const parsed = CronJobSchema.safeParse({ title: job.title, description: job.description, schedule: job.schedule, timezone: job.timezone, grace: job.grace, maxRuntime: job.maxRuntime });
  if (!parsed.success) throw new Error(`cron job "${job.name}": ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  o.config.jobs[job.name] = parsed.data;
  o.registered.add(job.name);
  return {
    probe: jobProbe(job.name, parsed.data, o.reader),
    async start(at = o.now()) {
      const rid = crypto.randomUUID();
      await o.store.start(job.name, at, rid, null, "plugin");
      return rid;
    },
    async end(rid, outcome, excerpt, at = o.now()) {
      await o.store.end(job.name, at, { outcome, exitStatus: outcome === "success" ? 0 : null, excerpt: excerpt ?? null, source: "plugin", rid });
    },
    async record(run) {
      await o.store.record({ job: job.name, rid: null, startedAt: run.startedAt, endedAt: run.endedAt, durationMs: run.endedAt - run.startedAt, outcome: run.outcome, exitStatus: run.outcome === "success" ? 0 : null, excerpt: run.excerpt ?? null, source: "plugin" });
    },
  };
}
