// Reading jobs: state from the stored runs, the probes `cron.<job>` and `cron.jobs`, and the
// JSON the run-history chart draws.
import cronstrue from "cronstrue";
import { parseDuration, probe, type ProbeDefinition, type ProbeStatus } from "../plugin-api";
import type { CronConfig, CronJob } from "./config";
import { formatDuration, jobState, scheduledStarts, scheduleOf, STATE_LABEL, type JobState, type RunRecord } from "./state";
import type { CronStore } from "./store";

/** "At 09:00", "Every 10 minutes"… in English; the raw expression when cronstrue cannot read it. */
export function humanSchedule(schedule: string): string {
  try {
    return cronstrue.toString(schedule, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return schedule;
  }
}

/** "late: due 4 min ago …": the state's word once, whether or not its condition's text begins with it. */
export function stateLine(state: JobState): string {
  const label = STATE_LABEL[state.state];
  return state.summary.startsWith(`${label}:`) ? state.summary : `${label}: ${state.summary}`;
}

export interface JobView {
  name: string;
  job: CronJob;
  state: JobState;
  runs: RunRecord[];
}

export class JobReader {
  constructor(
    private readonly config: CronConfig,
    private readonly store: CronStore,
    private readonly now: () => number,
    /** A problem reading how the job reports (e.g. its health document service is missing). */
    private readonly problems: Map<string, string> = new Map(),
  ) {}

  async view(name: string, limit = 200): Promise<JobView> {
    const job = this.config.jobs[name]!;
    const now = this.now();
    const [runs, pause] = await Promise.all([this.store.recent(name, limit), this.store.activePause(name, now)]);
    return { name, job, runs, state: jobState(job, runs, pause, now) };
  }

  problem(name: string): string | undefined {
    return this.problems.get(name);
  }

  setProblem(name: string, text: string | null): void {
    if (text) this.problems.set(name, text);
    else this.problems.delete(name);
  }
}

/** A run as a probe row; its start as an ISO time, which pages show in the reader's zone. */
export function runRow(r: RunRecord): Record<string, unknown> {
  const at = r.startedAt ?? r.endedAt;
  return {
    started: at !== null ? new Date(at).toISOString() : null,
    duration: r.durationMs !== null ? formatDuration(r.durationMs) : r.outcome === "running" ? "running" : "unknown",
    outcome: r.outcome,
    exit: r.exitStatus,
    source: r.source,
    excerpt: r.excerpt ? r.excerpt.slice(0, 200) : null,
  };
}

function jobTitle(name: string, job: CronJob): string {
  return job.title ?? `Cron job ${name}`;
}

export function jobProbe(name: string, job: CronJob, reader: JobReader): ProbeDefinition {
  return probe({
    id: name,
    title: jobTitle(name, job),
    description: `${humanSchedule(job.schedule)} (${job.timezone}); grace ${job.grace}${job.maxRuntime ? `, maxRuntime ${job.maxRuntime}` : ""}${job.minRuntime ? `, minRuntime ${job.minRuntime}` : ""}. Value: minutes since the last successful run.`,
    unit: "min",
    every: "30s",
    timeout: "5s",
    async read() {
      const v = await reader.view(name, 200);
      const problem = reader.problem(name);
      const summary = `${stateLine(v.state)}${problem ? ` · ${problem}` : ""}`;
      return {
        value: v.state.minutesSinceSuccess,
        status: problem && v.state.status === "ok" ? "warn" : v.state.status,
        summary,
        rows: v.runs.slice(0, 20).map((r) => runRow(r)),
      };
    },
  });
}

const RANK: Record<ProbeStatus, number> = { ok: 0, unknown: 1, warn: 2, critical: 3 };

export function jobsProbe(config: CronConfig, reader: JobReader): ProbeDefinition {
  return probe({
    id: "jobs",
    title: "Cron jobs",
    description: "Every configured job: state, schedule, last success and next run (in the job's time zone and UTC). Value: jobs not ok.",
    unit: "jobs",
    every: "30s",
    timeout: "5s",
    async read() {
      const views = await Promise.all(Object.keys(config.jobs).map((n) => reader.view(n, 200)));
      let status: ProbeStatus = "ok";
      let bad = 0;
      for (const v of views) {
        if (v.state.status === "warn" || v.state.status === "critical") bad++;
        if (RANK[v.state.status] > RANK[status]) status = v.state.status;
      }
      if (!views.length) status = "unknown";
      const rows = views.map((v) => ({
        job: v.name,
        state: STATE_LABEL[v.state.state],
        status: v.state.status,
        // The job's own zone once, beside the schedule it applies to; instants as ISO times, shown in the reader's zone.
        schedule: `${humanSchedule(v.job.schedule)} (${v.job.schedule}, ${v.job.timezone})`,
        "last success": v.state.lastSuccessAt !== null ? new Date(v.state.lastSuccessAt).toISOString() : "never",
        "next run": v.state.nextRunAt !== null ? new Date(v.state.nextRunAt).toISOString() : null,
        failures: v.state.consecutiveFailures,
        note: v.state.pause ? `paused by ${v.state.pause.pausedBy}: ${v.state.pause.reason}` : v.state.conditions[0]?.text ?? "",
      }));
      const summary = views.length
        ? `${views.length} jobs: ${bad} need attention${bad ? ` (${views.filter((v) => v.state.status === "warn" || v.state.status === "critical").map((v) => `${v.name} ${STATE_LABEL[v.state.state]}`).join(", ")})` : ""}`
        : "no cron jobs configured";
      return { value: bad, status, summary, rows };
    },
  });
}

/** What `GET /api/cron/<job>` answers to signed-in viewers: no secrets, no tokens. */
export async function describeJob(config: CronConfig, reader: JobReader, name: string): Promise<Record<string, unknown> | null> {
  if (!config.jobs[name]) return null;
  const v = await reader.view(name, 50);
  const j = v.job;
  // The schedule over the span of the runs shown (at least a day), so a stop shows as missed starts.
  const now = Date.now();
  const oldest = v.runs.reduce((min, r) => Math.min(min, r.startedAt ?? r.endedAt ?? min), now - 86_400_000);
  return {
    job: name,
    title: jobTitle(name, j),
    schedule: j.schedule,
    human: humanSchedule(j.schedule),
    timezone: j.timezone,
    grace: j.grace,
    graceMs: parseDuration(j.grace),
    scheduled: scheduledStarts(scheduleOf(j), oldest, now),
    maxRuntime: j.maxRuntime ?? null,
    minRuntime: j.minRuntime ?? null,
    failuresBeforeCritical: j.failuresBeforeCritical,
    reports: [...(j.pingToken ?? config.pingToken ? ["ping"] : []), ...(j.healthDocument ? [`health document ${j.healthDocument.path}`] : [])],
    runNow: !!(j.endpoint && j.secret),
    state: v.state.state,
    stateLabel: STATE_LABEL[v.state.state],
    status: v.state.status,
    summary: v.state.summary,
    conditions: v.state.conditions,
    nextRunAt: v.state.nextRunAt,
    expectedAt: v.state.expectedAt,
    lastSuccessAt: v.state.lastSuccessAt,
    band: v.state.band,
    pause: v.state.pause,
    runs: v.runs.map((r) => ({
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      durationMs: r.durationMs,
      outcome: r.outcome,
      exitStatus: r.exitStatus,
      source: r.source,
      excerpt: r.excerpt ? r.excerpt.slice(0, 300) : null,
    })),
  };
}
