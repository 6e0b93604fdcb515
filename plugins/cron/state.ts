// A job's state as a pure function of (config, runs, pause, now): no clock, no store, no I/O,
// so every state and transition is testable with a fake clock.
import { Cron } from "croner";
import { formatInZone, parseDuration, zoneName, type ProbeStatus } from "../plugin-api";
import type { CronJob } from "./config";

export type RunOutcome = "running" | "success" | "fail";
export type RunSource = "ping" | "health-document" | "run-now" | "seed" | "plugin";

export interface RunRecord {
  id: string;
  job: string;
  rid: string | null;
  /** Epoch ms; null for an end ping that had no start. */
  startedAt: number | null;
  endedAt: number | null;
  durationMs: number | null;
  outcome: RunOutcome;
  exitStatus: number | null;
  excerpt: string | null;
  source: RunSource;
}

export interface PauseRecord {
  job: string;
  pausedBy: string;
  reason: string;
  pausedAt: number;
  until: number | null;
}

export type JobStateName =
  | "new"
  | "up"
  | "late"
  | "down"
  | "paused"
  | "running"
  | "running-too-long"
  | "failing"
  | "ran-too-fast"
  | "runs-too-often";

export const STATE_LABEL: Record<JobStateName, string> = {
  new: "new",
  up: "up",
  late: "late",
  down: "down",
  paused: "paused",
  running: "running",
  "running-too-long": "running too long",
  failing: "failing",
  "ran-too-fast": "ran too fast",
  "runs-too-often": "runs too often",
};

export interface DurationBand {
  /** Durations (ms) the band was learned from. */
  n: number;
  p5: number;
  p95: number;
}

export interface JobState {
  state: JobStateName;
  status: ProbeStatus;
  summary: string;
  /** Every condition that holds, worst first (the first one is `state`). */
  conditions: { state: JobStateName; status: ProbeStatus; text: string }[];
  lastRun: RunRecord | null;
  lastSuccessAt: number | null;
  minutesSinceSuccess: number | null;
  /** The schedule tick the job owes (may be past: late/down). */
  expectedAt: number | null;
  /** The next schedule tick after now. */
  nextRunAt: number | null;
  consecutiveFailures: number;
  band: DurationBand | null;
  /** "unusually fast" / "unusually slow" for the newest finished run against the band. */
  unusual: "fast" | "slow" | null;
  startsInWindow: { window: number; starts: number; allowed: number } | null;
  pause: PauseRecord | null;
}

/** Runs newest first, by their start (or end, for runs without a start). */
export function runTime(r: RunRecord): number {
  return r.startedAt ?? r.endedAt ?? 0;
}

const STATUS_RANK: Record<ProbeStatus, number> = { ok: 0, unknown: 1, warn: 2, critical: 3 };

/** croner instance for a job; schedules are evaluated in the job's time zone (DST-correct). */
export function scheduleOf(job: Pick<CronJob, "schedule" | "timezone">): Cron {
  const key = `${job.schedule}\u0000${job.timezone ?? ""}`;
  let cron = schedules.get(key);
  if (!cron) {
    cron = new Cron(job.schedule, { timezone: job.timezone, paused: true });
    if (schedules.size >= 1_000) schedules.clear();
    schedules.set(key, cron);
  }
  return cron;
}

/** Parsed schedules by pattern and zone: a job's state is read on every probe round and page view. */
const schedules = new Map<string, Cron>();

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const BAND_MIN_RUNS = 10;
export const BAND_WINDOW = 50;

/** The p5–p95 band of the last 50 successful runs before `runs[skip]` (needs at least 10). */
export function learnBand(finishedNewestFirst: RunRecord[], skip = 1): DurationBand | null {
  const durations = finishedNewestFirst
    .slice(skip)
    .filter((r) => r.outcome === "success" && r.durationMs !== null)
    .slice(0, BAND_WINDOW)
    .map((r) => r.durationMs!)
    .sort((a, b) => a - b);
  if (durations.length < BAND_MIN_RUNS) return null;
  return { n: durations.length, p5: percentile(durations, 5), p95: percentile(durations, 95) };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = s / 60;
  if (m < 60) return `${Math.floor(m)} min ${Math.round(s % 60)} s`.replace(/ 0 s$/, "");
  const h = m / 60;
  if (h < 48) return `${Math.floor(h)} h ${Math.round(m % 60)} min`.replace(/ 0 min$/, "");
  return `${Math.round(h / 24)} d`;
}

// One way to write an instant in a zone, shared with the portal's pages.
export { formatInZone, zoneName };

/** How many schedule ticks fall in (from, to]; bounded so a per-second schedule cannot spin. */
export function ticksBetween(cron: Cron, from: number, to: number, cap = 100_000): number {
  // Stepping croner through a window costs a time-zone conversion per tick (an hour of a
  // minute schedule is 60 steps); the window slides a little between reads, so the ticks of a
  // window twice as long are kept per schedule and counted by binary search.
  let c = tickCache.get(cron);
  if (!c || from < c.from || to > c.to || c.cap !== cap) {
    const until = to + Math.max(to - from, 60_000);
    const ticks: number[] = [];
    let t = cron.nextRun(new Date(from));
    while (t && t.getTime() <= until && ticks.length < cap) {
      ticks.push(t.getTime());
      t = cron.nextRun(t);
    }
    c = { from, to: ticks.length >= cap ? ticks[ticks.length - 1]! : until, ticks, cap };
    tickCache.set(cron, c);
  }
  return Math.min(cap, firstAfter(c.ticks, to) - firstAfter(c.ticks, from));
}

/**
 * The schedule's start times in [from, to], newest last, at most `max` (the newest ones): what the
 * run-history chart draws as "scheduled" beside the actual starts.
 */
export function scheduledStarts(cron: Cron, from: number, to: number, max = 500): number[] {
  const ticks: number[] = [];
  let t = cron.nextRun(new Date(from - 1));
  while (t && t.getTime() <= to && ticks.length < 20_000) {
    ticks.push(t.getTime());
    t = cron.nextRun(t);
  }
  return ticks.slice(-max);
}

const tickCache = new WeakMap<Cron, { from: number; to: number; ticks: number[]; cap: number }>();

/** Index of the first value greater than `x` in ascending `values`. */
function firstAfter(values: number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * "Too often": more starts than the schedule allows within a window of max(1 h, 3 periods),
 * at most 7 days. Allowed = ticks in the window + max(1, half of them): one retry or a manual run
 * is not "too often", a doubled crontab is. Runs pressed with run-now do not count.
 */
export function startsWindow(cron: Cron, runs: RunRecord[], now: number): { window: number; starts: number; allowed: number } | null {
  const a = cron.nextRun(new Date(now));
  const b = a ? cron.nextRun(a) : null;
  if (!a || !b) return null;
  const window = Math.min(7 * 86_400_000, Math.max(3_600_000, 3 * (b.getTime() - a.getTime())));
  const from = now - window;
  const ticks = ticksBetween(cron, from, now);
  const starts = runs.filter((r) => r.source !== "run-now" && runTime(r) > from && runTime(r) <= now).length;
  return { window, starts, allowed: ticks + Math.max(1, Math.floor(ticks / 2)) };
}

export function jobState(job: CronJob, runsNewestFirst: RunRecord[], pause: PauseRecord | null, now: number): JobState {
  const cron = scheduleOf(job);
  const graceMs = parseDuration(job.grace);
  const maxMs = job.maxRuntime ? parseDuration(job.maxRuntime) : null;
  const minMs = job.minRuntime ? parseDuration(job.minRuntime) : null;
  const runs = runsNewestFirst;
  const conditions: JobState["conditions"] = [];
  const add = (state: JobStateName, status: ProbeStatus, text: string) => conditions.push({ state, status, text });

  const activePause = pause && (pause.until === null || pause.until > now) ? pause : null;
  const lastRun = runs[0] ?? null;
  const finished = runs.filter((r) => r.outcome !== "running");
  const lastFinished = finished[0] ?? null;
  const lastSuccess = finished.find((r) => r.outcome === "success") ?? null;
  const lastSuccessAt = lastSuccess ? (lastSuccess.endedAt ?? lastSuccess.startedAt) : null;
  let consecutiveFailures = 0;
  for (const r of finished) {
    if (r.outcome !== "fail") break;
    consecutiveFailures++;
  }
  const nextRunAt = cron.nextRun(new Date(now))?.getTime() ?? null;

  // The tick owed: the first one after the job's latest activity.
  const lastActivity = lastRun ? Math.max(lastRun.startedAt ?? 0, lastRun.endedAt ?? 0) : null;
  const expectedAt = lastActivity !== null ? (cron.nextRun(new Date(lastActivity))?.getTime() ?? null) : nextRunAt;

  // Running: a start without an end.
  const open = lastRun && lastRun.outcome === "running" ? lastRun : null;
  if (open && open.startedAt !== null) {
    const age = now - open.startedAt;
    if (maxMs !== null && age > maxMs) add("running-too-long", "critical", `running for ${formatDuration(age)}, longer than maxRuntime ${job.maxRuntime}`);
    else if (maxMs === null && age > graceMs) add("down", "critical", `started ${formatDuration(age)} ago and never ended (no end within the ${job.grace} grace)`);
    else add("running", "ok", `running for ${formatDuration(age)}`);
  } else if (lastRun && expectedAt !== null && now >= expectedAt) {
    const overdue = now - expectedAt;
    if (overdue >= graceMs) add("down", "critical", `no run since it was due ${formatDuration(overdue)} ago (grace ${job.grace})`);
    else add("late", "warn", `late: due ${formatDuration(overdue)} ago (grace ${job.grace})`);
  }

  if (consecutiveFailures > 0) {
    const n = job.failuresBeforeCritical;
    const last = lastFinished!;
    const how = last.exitStatus !== null && last.exitStatus !== 1 ? `exit status ${last.exitStatus}` : last.source === "health-document" ? "the health document reports errors" : "failed";
    const text = `${consecutiveFailures} failed run${consecutiveFailures === 1 ? "" : "s"} in a row (${how})${consecutiveFailures < n ? `; critical after ${n}` : ""}`;
    add("failing", consecutiveFailures >= n ? "critical" : "warn", text);
  }

  // Durations: configured minimum, else the learned band.
  const band = learnBand(finished);
  let unusual: JobState["unusual"] = null;
  if (lastFinished && lastFinished.outcome === "success" && lastFinished.durationMs !== null) {
    const d = lastFinished.durationMs;
    if (minMs !== null && d < minMs) add("ran-too-fast", "critical", `last run took ${formatDuration(d)}, less than minRuntime ${job.minRuntime}`);
    if (band && d < band.p5) {
      unusual = "fast";
      if (minMs === null) add("ran-too-fast", "warn", `unusually fast: ${formatDuration(d)}, below the p5 ${formatDuration(band.p5)} of the last ${band.n} runs`);
    } else if (band && d > band.p95) {
      unusual = "slow";
      add("up", "warn", `unusually slow: ${formatDuration(d)}, above the p95 ${formatDuration(band.p95)} of the last ${band.n} runs`);
    }
  }

  const window = startsWindow(cron, runs, now);
  if (window && window.starts > window.allowed) {
    add("runs-too-often", "warn", `runs too often: ${window.starts} starts in the last ${formatDuration(window.window)}, the schedule allows ${window.allowed}`);
  }

  if (!conditions.length) {
    if (!lastRun) add("new", "unknown", "new: no run recorded yet");
    else add("up", "ok", lastFinished?.durationMs != null ? `last run ok, took ${formatDuration(lastFinished.durationMs)}` : "last run ok");
  }

  // Worst first; among equals, the order they were found (schedule before outcome before duration).
  const sorted = conditions.map((c, i) => ({ c, i })).sort((a, b) => STATUS_RANK[b.c.status] - STATUS_RANK[a.c.status] || a.i - b.i).map((x) => x.c);
  let top = sorted[0]!;
  let status = top.status;
  if (activePause) {
    top = {
      state: "paused",
      status: "ok",
      text: `paused by ${activePause.pausedBy}: ${activePause.reason}${activePause.until ? ` (until ${formatInZone(activePause.until, job.timezone)})` : ""}`,
    };
    sorted.unshift(top);
    status = "ok";
  }
  const parts = sorted.map((c) => c.text);
  if (nextRunAt !== null) parts.push(`next run ${formatInZone(nextRunAt, job.timezone)}`);
  return {
    state: top.state,
    status,
    summary: parts.join(" · "),
    conditions: sorted,
    lastRun,
    lastSuccessAt,
    minutesSinceSuccess: lastSuccessAt !== null ? Math.round(((now - lastSuccessAt) / 60_000) * 10) / 10 : null,
    expectedAt,
    nextRunAt,
    consecutiveFailures,
    band,
    unusual,
    startsInWindow: window,
    pause: activePause,
  };
}
