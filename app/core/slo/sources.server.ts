import { parseDuration } from "../../../plugins/plugin-api";
import type { PromqlService } from "../../../plugins/prometheus/api";
import type { SentryEventsService, SentryTransactionQuery } from "../../../plugins/sentry/api";
import type { Store } from "../db/store.server";
import { BURN_WINDOWS, type BurnWindow, type WindowCount } from "./burn";
import type { Sli, SloConfig } from "./config";

/** Counts over each burn window and the SLO window, at one time. */
export interface Counts {
  window: WindowCount;
  windows: Record<BurnWindow, WindowCount>;
}

const usesRate = (e: string) => /\b(i?rate)\s*\(/.test(e) && !/\bincrease\s*\(/.test(e);

/** The Prometheus expressions of an SLI for one range ("5m", "30d"), each counting events. */
export function sliExpressions(sli: Sli, range: string): { bad?: string; good?: string; total: string } | null {
  const over = (e: string) => (e.includes("$window") ? e.replaceAll("$window", range) : `sum(increase(${e}[${range}]))`);
  if (sli.histogram && sli.threshold !== undefined) {
    const m = sli.matchers ? `,${sli.matchers}` : "";
    return {
      good: `sum(increase(${sli.histogram}_bucket{le="${String(sli.threshold)}"${m}}[${range}]))`,
      total: `sum(increase(${sli.histogram}_count{${sli.matchers ?? ""}}[${range}]))`,
    };
  }
  if (!sli.total) return null;
  return { ...(sli.errors ? { bad: over(sli.errors) } : { good: over(sli.good!) }), total: over(sli.total) };
}

/** One query for every range and part: each term labelled `slo_range` and `slo_part`. */
export function combinedQuery(sli: Sli, ranges: readonly string[]): string {
  const terms: string[] = [];
  for (const range of ranges) {
    const exprs = sliExpressions(sli, range);
    if (!exprs) continue;
    for (const [part, e] of Object.entries(exprs)) {
      if (!e) continue;
      terms.push(`label_replace(label_replace(${e}, "slo_range", "${range}", "", ""), "slo_part", "${part}", "", "")`);
    }
  }
  return terms.join(" or ");
}

/** Events of one part over a range, from the value the expression gave (a rate is per second). */
function events(sli: Sli, part: string, range: string, value: number): number {
  const expr = part === "total" ? sli.total : part === "bad" ? sli.errors : sli.good;
  if (expr && expr.includes("$window") && usesRate(expr)) return value * (parseDuration(range) / 1000);
  return value;
}

function toCount(parts: Map<string, number>): WindowCount {
  const total = parts.get("total") ?? 0;
  const bad = parts.has("bad") ? parts.get("bad")! : Math.max(0, total - (parts.get("good") ?? total));
  return { bad: Math.max(0, bad), total: Math.max(0, total) };
}

const RANGES = Object.keys(BURN_WINDOWS) as BurnWindow[];

/** Counts at time `at` from Prometheus: one instant query for all windows. */
export async function prometheusCounts(promql: PromqlService, slo: SloConfig, at: number, signal?: AbortSignal): Promise<Counts> {
  const ranges = [...RANGES, slo.window];
  const t = new Date(Math.floor(at / 1000) * 1000);
  const result = await promql.range(combinedQuery(slo.sli, ranges), { from: t, to: t, points: 1, signal });
  const byRange = new Map<string, Map<string, number>>();
  for (const s of result.series) {
    const range = s.labels.slo_range;
    const part = s.labels.slo_part;
    const value = s.points.at(-1)?.value;
    if (!range || !part || value === null || value === undefined || !Number.isFinite(value)) continue;
    const parts = byRange.get(range) ?? new Map<string, number>();
    parts.set(part, (parts.get(part) ?? 0) + events(slo.sli, part, range, value));
    byRange.set(range, parts);
  }
  const windows = {} as Record<BurnWindow, WindowCount>;
  for (const r of RANGES) windows[r] = toCount(byRange.get(r) ?? new Map());
  return { window: toCount(byRange.get(slo.window) ?? new Map()), windows };
}

/** The budget left over time: the SLO window's error ratio at about `points` times up to `at`. */
export async function prometheusRatioSeries(promql: PromqlService, slo: SloConfig, opts: { from: number; to: number; points: number; signal?: AbortSignal }): Promise<{ at: number; bad: number; total: number }[]> {
  const result = await promql.range(combinedQuery(slo.sli, [slo.window]), { from: new Date(opts.from), to: new Date(opts.to), points: opts.points, signal: opts.signal });
  const byAt = new Map<number, Map<string, number>>();
  for (const s of result.series) {
    const part = s.labels.slo_part;
    if (!part) continue;
    for (const p of s.points) {
      if (p.value === null || !Number.isFinite(p.value)) continue;
      const parts = byAt.get(p.at) ?? new Map<string, number>();
      parts.set(part, (parts.get(part) ?? 0) + events(slo.sli, part, slo.window, p.value));
      byAt.set(p.at, parts);
    }
  }
  return [...byAt.entries()].sort((a, b) => a[0] - b[0]).map(([at, parts]) => ({ at, ...toCount(parts) }));
}

/** A probe sample counts as bad when it is critical or its read failed. */
const BAD_SAMPLE = (status: string, error: string | null) => status === "critical" || error !== null;

/** Counts at time `at` from a probe's stored samples: availability of its readings. */
export async function probeCounts(store: Store, probeId: string, slo: SloConfig, at: number): Promise<Counts> {
  const longest = parseDuration(slo.window);
  const rows = await store.db
    .selectFrom("probe_samples")
    .select(["at", "status", "error"])
    .where("probe_id", "=", probeId)
    .where("at", ">", at - longest)
    .where("at", "<=", at)
    .execute();
  const count = (ms: number): WindowCount => {
    let bad = 0;
    let total = 0;
    for (const r of rows) {
      if (r.at <= at - ms) continue;
      total++;
      if (BAD_SAMPLE(r.status, r.error)) bad++;
    }
    return { bad, total };
  };
  const windows = {} as Record<BurnWindow, WindowCount>;
  for (const r of RANGES) windows[r] = count(BURN_WINDOWS[r] * 1000);
  return { window: count(longest), windows };
}

/** The probe-history budget over time, from the same samples. */
export async function probeRatioSeries(store: Store, probeId: string, slo: SloConfig, opts: { from: number; to: number; points: number }): Promise<{ at: number; bad: number; total: number }[]> {
  const longest = parseDuration(slo.window);
  const rows = await store.db
    .selectFrom("probe_samples")
    .select(["at", "status", "error"])
    .where("probe_id", "=", probeId)
    .where("at", ">", opts.from - longest)
    .where("at", "<=", opts.to)
    .orderBy("at")
    .execute();
  const step = Math.max(1, Math.floor((opts.to - opts.from) / Math.max(1, opts.points)));
  const out: { at: number; bad: number; total: number }[] = [];
  for (let t = opts.from; t <= opts.to; t += step) {
    let bad = 0;
    let total = 0;
    for (const r of rows) {
      if (r.at <= t - longest || r.at > t) continue;
      total++;
      if (BAD_SAMPLE(r.status, r.error)) bad++;
    }
    if (total) out.push({ at: t, bad, total });
  }
  return out;
}

/** Bad and total events in [from, to] from Prometheus: one instant query at `to` over the span. */
export async function prometheusCountBetween(promql: PromqlService, slo: SloConfig, from: number, to: number, signal?: AbortSignal): Promise<WindowCount> {
  const seconds = Math.max(1, Math.round((to - from) / 1000));
  const range = `${seconds}s`;
  const t = new Date(Math.floor(to / 1000) * 1000);
  const result = await promql.range(combinedQuery(slo.sli, [range]), { from: t, to: t, points: 1, signal });
  const parts = new Map<string, number>();
  for (const s of result.series) {
    const part = s.labels.slo_part;
    const value = s.points.at(-1)?.value;
    if (!part || value === null || value === undefined || !Number.isFinite(value)) continue;
    parts.set(part, (parts.get(part) ?? 0) + events(slo.sli, part, range, value));
  }
  return toCount(parts);
}

/** Bad and total events in (from, to] from a probe's stored samples. */
export async function probeCountBetween(store: Store, probeId: string, from: number, to: number): Promise<WindowCount> {
  const rows = await store.db.selectFrom("probe_samples").select(["status", "error"]).where("probe_id", "=", probeId).where("at", ">", from).where("at", "<=", to).execute();
  return { bad: rows.filter((r) => BAD_SAMPLE(r.status, r.error)).length, total: rows.length };
}

function sentryQuery(slo: SloConfig): SentryTransactionQuery {
  const s = slo.sli.sentry!;
  return { project: s.project, transaction: s.transaction, metric: s.metric, thresholdMs: s.threshold };
}

/** Counts at time `at` from Sentry's transactions: one Discover query per window, at once. */
export async function sentryCounts(sentry: SentryEventsService, slo: SloConfig, at: number, signal?: AbortSignal): Promise<Counts> {
  const q = sentryQuery(slo);
  const to = new Date(at);
  const over = (ms: number) => sentry.transactionCounts(q, { from: new Date(at - ms), to }, signal);
  const [window, ...each] = await Promise.all([over(parseDuration(slo.window)), ...RANGES.map((r) => over(BURN_WINDOWS[r] * 1000))]);
  const windows = {} as Record<BurnWindow, WindowCount>;
  RANGES.forEach((r, i) => (windows[r] = each[i]!));
  return { window: window!, windows };
}

/** Bad and total transactions in [from, to) from Sentry. */
export async function sentryCountBetween(sentry: SentryEventsService, slo: SloConfig, from: number, to: number, signal?: AbortSignal): Promise<WindowCount> {
  return sentry.transactionCounts(sentryQuery(slo), { from: new Date(from), to: new Date(to) }, signal);
}

/** At most this many Discover queries for one budget chart: Sentry rate-limits its API per token. */
const SENTRY_CHART_POINTS = 24;

/** The Sentry budget over time: the SLO window's counts at up to SENTRY_CHART_POINTS times, four queries at a time. */
export async function sentryRatioSeries(sentry: SentryEventsService, slo: SloConfig, opts: { from: number; to: number; points: number; signal?: AbortSignal }): Promise<{ at: number; bad: number; total: number }[]> {
  const n = Math.max(1, Math.min(opts.points, SENTRY_CHART_POINTS));
  const step = Math.max(1, Math.floor((opts.to - opts.from) / n));
  const times: number[] = [];
  for (let t = opts.from + step; t <= opts.to; t += step) times.push(t);
  const longest = parseDuration(slo.window);
  const out: { at: number; bad: number; total: number }[] = [];
  for (let i = 0; i < times.length; i += 4) {
    const batch = await Promise.all(times.slice(i, i + 4).map(async (t) => ({ at: t, ...(await sentryCountBetween(sentry, slo, t - longest, t, opts.signal)) })));
    out.push(...batch.filter((r) => r.total > 0));
  }
  return out;
}
