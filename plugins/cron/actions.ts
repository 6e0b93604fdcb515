// cron.run-now (calls the job's protected endpoint with its bearer secret), cron.pause, cron.resume.
import { z } from "zod";
import { action, ActionInputError, parseDuration, type ActionDefinition, type Risk, type TextScrubber } from "../plugin-api";
import type { CronConfig } from "./config";
import type { HealthDocumentWatcher } from "./health-document";
import { stateLine, type JobReader } from "./jobs";
import { excerptOf } from "./pings";
import { formatDuration, formatInZone } from "./state";
import type { CronStore } from "./store";

function jobInput(config: CronConfig) {
  const names = Object.keys(config.jobs);
  return z
    .string()
    .min(1, "name a job")
    .refine((j) => j in config.jobs, { message: names.length ? `unknown job: use one of ${names.join(", ")}` : "no cron jobs are configured" });
}

/** The open run that makes run-now wait: started, not ended, and not yet past maxRuntime (or grace). */
async function runInProgress(config: CronConfig, reader: JobReader, job: string, now: number) {
  const v = await reader.view(job, 5);
  const open = v.runs[0];
  if (!open || open.outcome !== "running" || open.startedAt === null) return null;
  const j = config.jobs[job]!;
  const limit = parseDuration(j.maxRuntime ?? j.grace);
  return now - open.startedAt <= limit ? open : null;
}

export function runNowAction(opts: {
  config: CronConfig;
  reader: JobReader;
  store: CronStore;
  health: HealthDocumentWatcher;
  scrubber: TextScrubber;
  now(): number;
  risk: Risk;
  onRun(job: string): void;
}): ActionDefinition<{ job: string }> {
  const { config, reader, store } = opts;
  const inFlight = new Set<string>();

  const check = async (job: string) => {
    const j = config.jobs[job]!;
    if (!j.endpoint) throw new ActionInputError(`job "${job}" has no endpoint configured (plugins.cron.jobs.${job}.endpoint): no request was sent`, { job: ["no endpoint configured"] });
    if (!j.secret) {
      throw new ActionInputError(`job "${job}" has no secret configured (plugins.cron.jobs.${job}.secret, usually \${CRON_SECRET}): no request was sent`, { job: ["no secret configured"] });
    }
    if (inFlight.has(job)) throw new ActionInputError(`a run-now of "${job}" is already in progress`, { job: ["already running"] });
    const open = await runInProgress(config, reader, job, opts.now());
    if (open) {
      throw new ActionInputError(`"${job}" is running (started ${formatInZone(open.startedAt!, j.timezone)}, ${formatDuration(opts.now() - open.startedAt!)} ago): wait for it to end`, { job: ["a run is in progress"] });
    }
    return { ...j, endpoint: j.endpoint, secret: j.secret };
  };

  return action<{ job: string }>({
    id: "run-now",
    title: "Run a cron job now",
    description: "Calls the job's protected endpoint with its bearer secret and records the status code, duration and a response excerpt. Refused while a run is in progress.",
    input: z.object({ job: jobInput(config) }).strict(),
    risk: opts.risk,
    target: (i) => i.job,
    timeout: "5m",
    cancellable: true,
    async preview(input) {
      const j = await check(input.job);
      const v = await reader.view(input.job, 5);
      return {
        summary: `Calls ${j.method} ${j.endpoint} with the job's bearer secret (Authorization: Bearer [redacted]). The job is ${stateLine(v.state)}`,
        count: 1,
      };
    },
    async run(input, ctx) {
      const j = await check(input.job);
      inFlight.add(input.job);
      const started = opts.now();
      const t0 = performance.now();
      try {
        ctx.log(`${j.method} ${j.endpoint} (Authorization: Bearer [redacted])`);
        const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(parseDuration(j.runNowTimeout))]);
        let res: Response;
        try {
          res = await fetch(j.endpoint, { method: j.method, headers: { authorization: `Bearer ${j.secret}`, "user-agent": "Opsdeck cron run-now" }, signal, redirect: "manual" });
        } catch (err) {
          const ms = Math.round(performance.now() - t0);
          throw new Error(`${j.method} ${j.endpoint} failed after ${ms} ms: ${opts.scrubber.text((err as Error).message)}`);
        }
        const text = await res.text().catch(() => "");
        const ms = Math.round(performance.now() - t0);
        const excerpt = excerptOf(text, config.excerptBytes, opts.scrubber);
        const ok = res.status >= 200 && res.status < 300;
        if (j.healthDocument) {
          // The job reports through its document: read it now rather than recording a second run.
          await opts.health.check(input.job, ctx.signal).catch(() => false);
        } else {
          await store.record({
            job: input.job,
            rid: null,
            startedAt: started,
            endedAt: started + ms,
            durationMs: ms,
            outcome: ok ? "success" : "fail",
            exitStatus: null,
            excerpt: `HTTP ${res.status}${excerpt ? `: ${excerpt}` : ""}`,
            source: "run-now",
          });
        }
        opts.onRun(input.job);
        const line = `${j.method} ${j.endpoint} answered ${res.status} in ${ms} ms`;
        ctx.log(`${line}${excerpt ? `: ${excerpt.slice(0, 500)}` : ""}`);
        if (!ok) throw new Error(`${line}${excerpt ? `: ${excerpt.slice(0, 300)}` : ""}`);
        return {
          summary: line,
          data: { job: input.job, statusCode: res.status, durationMs: ms, excerpt: excerpt.slice(0, 2000) },
          rows: [{ job: input.job, status: res.status, duration: `${ms} ms`, response: excerpt.slice(0, 200) }],
        };
      } finally {
        inFlight.delete(input.job);
      }
    },
  });
}

const UntilSchema = z
  .string()
  .min(1)
  .refine((s) => !Number.isNaN(Date.parse(s)) || /^\d+(\.\d+)?\s*(m|h|d)$/.test(s.trim()), { message: "use an ISO time (2026-11-27T18:00:00Z) or a duration (30m, 4h, 2d)" })
  .optional();

function untilMs(until: string | undefined, now: number): number | null {
  if (!until) return null;
  const t = Date.parse(until);
  return Number.isNaN(t) ? now + parseDuration(until.trim()) : t;
}

export function pauseActions(opts: { config: CronConfig; store: CronStore; now(): number; onChange(job: string): void }): ActionDefinition[] {
  const { config, store } = opts;
  const pause = action<{ job: string; reason: string; until?: string }>({
    id: "pause",
    title: "Pause a cron job's alerts",
    description: "A paused job is not alerted on; its page says who paused it, why, and until when. Runs are still recorded.",
    input: z.object({ job: jobInput(config), reason: z.string().trim().min(3, "say why (at least 3 characters)").max(500), until: UntilSchema }).strict(),
    risk: "low",
    target: (i) => i.job,
    async preview(input) {
      const now = opts.now();
      const until = untilMs(input.until, now);
      if (until !== null && until <= now) throw new ActionInputError("until must be in the future", { until: ["must be in the future"] });
      const current = await store.activePause(input.job, now);
      const tz = config.jobs[input.job]!.timezone;
      return {
        summary: `Pauses alerts for ${input.job} ${until ? `until ${formatInZone(until, tz)}` : "until resumed"}: "${input.reason}"${current ? ` (replaces the pause by ${current.pausedBy}: "${current.reason}")` : ""}`,
        count: 1,
      };
    },
    async run(input, ctx) {
      const now = opts.now();
      const until = untilMs(input.until, now);
      if (until !== null && until <= now) throw new ActionInputError("until must be in the future", { until: ["must be in the future"] });
      await store.resume(input.job, ctx.actor.username, now);
      await store.pause({ job: input.job, pausedBy: ctx.actor.username, reason: input.reason, pausedAt: now, until });
      opts.onChange(input.job);
      const tz = config.jobs[input.job]!.timezone;
      return { summary: `${input.job} paused by ${ctx.actor.username} ${until ? `until ${formatInZone(until, tz)}` : "until resumed"}: ${input.reason}`, data: { job: input.job, until } };
    },
  });
  const resume = action<{ job: string; reason: string }>({
    id: "resume",
    title: "Resume a paused cron job",
    input: z.object({ job: jobInput(config), reason: z.string().trim().min(3, "say why (at least 3 characters)").max(500) }).strict(),
    risk: "low",
    target: (i) => i.job,
    async preview(input) {
      const current = await store.activePause(input.job, opts.now());
      if (!current) throw new ActionInputError(`${input.job} is not paused`, { job: ["not paused"] });
      return { summary: `Resumes alerts for ${input.job} (paused by ${current.pausedBy}: "${current.reason}")`, count: 1 };
    },
    async run(input, ctx) {
      const current = await store.activePause(input.job, opts.now());
      if (!current) throw new ActionInputError(`${input.job} is not paused`, { job: ["not paused"] });
      await store.resume(input.job, ctx.actor.username, opts.now());
      opts.onChange(input.job);
      return { summary: `${input.job} resumed by ${ctx.actor.username}: ${input.reason} (was paused by ${current.pausedBy}: ${current.reason})`, data: { job: input.job } };
    },
  });
  return [pause, resume];
}
