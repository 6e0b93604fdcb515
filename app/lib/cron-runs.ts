/** Scheduled versus actual starts of a cron job, for its run-history chart. Pure: shared with the browser. */

export interface RunStart {
  at: number;
  outcome: string;
  durationMs: number | null;
  source: string;
}

export interface MatchedRun extends RunStart {
  /** The schedule tick this run answered; null for a run outside the schedule (run now, a retry). */
  scheduledAt: number | null;
  /** How late it started after its tick (ms, ≥ 0); null when unscheduled. */
  delayMs: number | null;
}

export interface MissedSpan {
  /** First scheduled start that had no run. */
  from: number;
  /** When a run came again (or now). */
  until: number;
  /** Scheduled starts missed in the span. */
  missed: number;
}

/** Clocks differ a little: a start up to this early still answers the tick it came before. */
const EARLY_MS = 60_000;

/**
 * Pairs each run with the schedule tick it answered (the latest tick at or before its start, if no
 * earlier run took it), and gathers ticks no run answered within `graceMs` into spans of missed
 * starts — a 6-hour stop is one span. Ticks still inside their grace at `now` are not missed yet.
 */
export function matchSchedule(scheduled: readonly number[], runs: readonly RunStart[], graceMs: number, now: number): { runs: MatchedRun[]; missed: MissedSpan[] } {
  const ticks = [...scheduled].sort((a, b) => a - b);
  const sorted = [...runs].sort((a, b) => a.at - b.at);
  const taken = new Set<number>();
  const matched: MatchedRun[] = [];
  let k = 0;
  for (const r of sorted) {
    while (k + 1 < ticks.length && ticks[k + 1]! <= r.at + EARLY_MS) k++;
    const tick = ticks.length && ticks[k]! <= r.at + EARLY_MS ? ticks[k]! : null;
    const answers = tick !== null && !taken.has(tick) && r.source !== "run-now";
    if (answers) taken.add(tick!);
    matched.push({ ...r, scheduledAt: answers ? tick : null, delayMs: answers ? Math.max(0, r.at - tick!) : null });
  }
  const firstRun = sorted.length ? sorted[0]!.at : Infinity;
  const missed: MissedSpan[] = [];
  let open: MissedSpan | null = null;
  for (const t of ticks) {
    // Ticks before the first run we know of are history we cannot judge.
    const isMissed = !taken.has(t) && t >= firstRun - EARLY_MS && t + graceMs < now;
    if (isMissed) {
      if (open) {
        open.missed++;
      } else {
        open = { from: t, until: now, missed: 1 };
        missed.push(open);
      }
    } else if (open && taken.has(t)) {
      open.until = matched.find((m) => m.scheduledAt === t)?.at ?? t;
      open = null;
    }
  }
  // A span still open ends at the next run after it, if any, else now.
  for (const span of missed) {
    if (span.until !== now) continue;
    const next = sorted.find((r) => r.at > span.from);
    if (next) span.until = next.at;
  }
  return { runs: matched, missed };
}
