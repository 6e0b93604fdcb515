/**
 * Axis and label arithmetic for the portal's SVG charts (probe history, PromQL ranges, cron runs,
 * reports). Pure functions, shared by server rendering and the browser; no chart library.
 */

import { zoneName } from "../../plugins/plugin-api-format";

export interface Tick {
  value: number;
  label: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A "nice" step (1, 2, 2.5 or 5 × 10^n) that splits `span` into about `count` parts. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const nice = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 2.5 ? 2.5 : residual <= 5 ? 5 : 10;
  return nice * magnitude;
}

const DURATION_STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];

/**
 * A value axis over `values` (and any extra values that must stay in view, such as thresholds):
 * the domain widened to whole steps, starting at zero when every value is non-negative and zero is
 * not far away (a 3-point wobble at 1,000 still reads as a line, not as a cliff). Whole-number
 * data gets whole-number steps (no "0.5 incidents"); a duration unit gets clock steps (15 min,
 * 1 h, 6 h, 1 d — never "8.3h").
 */
export function valueDomain(values: readonly number[], count = 5, unit?: string): { min: number; max: number; step: number } {
  const finite = values.filter((v) => Number.isFinite(v));
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  if (lo >= 0 && (lo === hi || lo <= hi * 0.5)) lo = 0;
  if (lo === hi) {
    const pad = Math.abs(hi) || 1;
    lo = lo - pad * 0.5;
    hi = hi + pad * 0.5;
    if (finite.every((v) => v >= 0)) lo = Math.max(0, lo);
  }
  let step = niceStep(hi - lo, count);
  const perUnit = unit ? DURATION_UNITS[unit] : undefined;
  if (perUnit) {
    const spanMs = (hi - lo) * perUnit;
    step = (DURATION_STEPS_MS.find((s) => spanMs / s <= count) ?? Math.ceil(spanMs / count / (28 * DAY)) * 28 * DAY) / perUnit;
  } else if (finite.length && finite.every((v) => Number.isInteger(v)) && step < 1) {
    step = 1;
  }
  return { min: Math.floor(lo / step + 1e-9) * step, max: Math.ceil(hi / step - 1e-9) * step, step };
}

/** The ticks of a value axis; labels carry the unit once per label so no axis title is needed to read them. */
export function valueTicks(domain: { min: number; max: number; step: number }, unit?: string): Tick[] {
  const ticks: Tick[] = [];
  const n = Math.round((domain.max - domain.min) / domain.step);
  for (let i = 0; i <= n && i <= 50; i++) {
    const value = domain.min + i * domain.step;
    ticks.push({ value, label: formatAxisValue(value, domain.step, unit) });
  }
  return ticks;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, seconds: 1000, min: MINUTE, m: MINUTE, minutes: MINUTE, h: HOUR, hours: HOUR };

/**
 * A tick label: short numbers (1.2k, 3.4M), durations in the largest fitting unit (90 min → 1.5h,
 * never "000m"), percentages with %, any other unit after the number.
 */
export function formatAxisValue(value: number, step: number, unit?: string): string {
  if (unit && unit in DURATION_UNITS) return formatDurationTick(value * DURATION_UNITS[unit]!, step * DURATION_UNITS[unit]!);
  const text = shortNumber(value, step);
  if (!unit) return text;
  if (unit === "%" || unit === "percent") return `${text}%`;
  return `${text} ${unit}`;
}

function trim(n: number, digits: number): string {
  return Number(n.toFixed(digits)).toString();
}

function decimalsFor(step: number): number {
  if (!(step > 0)) return 0;
  return Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
}

/** 1234 → "1.2k", 0.25 → "0.25", 3000000 → "3M"; enough digits that neighbouring ticks differ. */
export function shortNumber(value: number, step = Math.abs(value) || 1): string {
  const abs = Math.abs(value);
  for (const [size, suffix] of [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ] as const) {
    if (abs >= size && Math.abs(step) >= size / 100) return `${trim(value / size, decimalsFor(step / size))}${suffix}`;
  }
  return trim(value, decimalsFor(step));
}

/** A duration tick: the unit picked from the step, so ticks of one axis share it (0, 30m, 1h, 1.5h). */
export function formatDurationTick(ms: number, stepMs = ms): string {
  if (ms === 0) return "0";
  const unit = stepMs >= DAY ? DAY : stepMs >= HOUR / 2 || Math.abs(ms) >= 10 * HOUR ? HOUR : stepMs >= MINUTE ? MINUTE : stepMs >= 1000 ? 1000 : 1;
  const name = unit === DAY ? "d" : unit === HOUR ? "h" : unit === MINUTE ? "m" : unit === 1000 ? "s" : "ms";
  return `${trim(ms / unit, unit === 1 ? 0 : 1)}${name}`;
}

/** Steps a time axis may use, each with how its labels read. */
const TIME_STEPS: { ms: number; kind: "time" | "date" }[] = [
  { ms: 10_000, kind: "time" },
  { ms: 30_000, kind: "time" },
  { ms: MINUTE, kind: "time" },
  { ms: 5 * MINUTE, kind: "time" },
  { ms: 10 * MINUTE, kind: "time" },
  { ms: 15 * MINUTE, kind: "time" },
  { ms: 30 * MINUTE, kind: "time" },
  { ms: HOUR, kind: "time" },
  { ms: 2 * HOUR, kind: "time" },
  { ms: 3 * HOUR, kind: "time" },
  { ms: 6 * HOUR, kind: "time" },
  { ms: 12 * HOUR, kind: "time" },
  { ms: DAY, kind: "date" },
  { ms: 2 * DAY, kind: "date" },
  { ms: 7 * DAY, kind: "date" },
  { ms: 14 * DAY, kind: "date" },
  { ms: 28 * DAY, kind: "date" },
];

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const wallClocks = new Map<string, Intl.DateTimeFormat>();

function parts(at: number, timeZone: string): { y: string; mo: string; d: string; h: string; mi: string; s: string; offsetMs: number } {
  let f = wallClocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    if (wallClocks.size > 50) wallClocks.clear();
    wallClocks.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second!, offsetMs: asUtc - Math.floor(at / 1000) * 1000 };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Ticks of a time axis from `from` to `to`, on round wall-clock times of `timeZone` (whole hours,
 * midnights), at most `maxTicks`. A tick where the day changes carries the date, so a 24 h axis
 * says which day its times belong to.
 */
export function timeTicks(from: number, to: number, maxTicks: number, timeZone = "UTC"): Tick[] {
  const span = to - from;
  if (!(span > 0) || maxTicks < 1) return [];
  const step = TIME_STEPS.find((s) => span / s.ms <= maxTicks) ?? { ms: Math.ceil(span / maxTicks / DAY) * DAY, kind: "date" as const };
  // Ticks are counted on the zone's wall clock (local time as if it were UTC) and each is turned
  // back into an instant with the offset in force then, so they stay on 00:00, 06:00… across a
  // daylight-saving change instead of sliding an hour.
  const align = step.ms >= DAY ? Math.min(step.ms, DAY) : step.ms;
  const toInstant = (wall: number) => {
    const guess = wall - parts(wall, timeZone).offsetMs;
    return wall - parts(guess, timeZone).offsetMs;
  };
  let wall = Math.ceil((from + parts(from, timeZone).offsetMs) / align) * align;
  const ticks: Tick[] = [];
  let lastDay = "";
  for (let guard = 0; guard < 200; guard++, wall += step.ms) {
    const at = toInstant(wall);
    if (at > to) break;
    // A wall time skipped by the clock going forward maps onto its neighbour: drawn once.
    if (at < from || (ticks.length && at <= ticks[ticks.length - 1]!.value)) continue;
    const p = parts(at, timeZone);
    const day = `${p.y}-${p.mo}-${p.d}`;
    const date = `${Number(p.d)} ${MONTHS[Number(p.mo) - 1]}`;
    const clock = step.ms < MINUTE ? `${p.h}:${p.mi}:${p.s}` : `${p.h}:${p.mi}`;
    const label = step.kind === "date" ? date : lastDay && day !== lastDay ? `${date} ${clock}` : clock;
    ticks.push({ value: at, label });
    lastDay = day;
  }
  return ticks;
}

/**
 * The zone a time axis is drawn in, as its readers know it ("UTC", "CET"); both names when the
 * window crosses a daylight-saving change ("CET/CEST").
 */
export function axisZoneName(from: number, to: number, timeZone = "UTC"): string {
  const first = zoneName(from, timeZone);
  const last = zoneName(to, timeZone);
  return first === last ? first : `${first}/${last}`;
}

export interface PlacedLabel {
  /** The position the label belongs to (its line's y). */
  at: number;
  /** Where it is drawn, moved apart from its neighbours when they would overprint. */
  drawnAt: number;
}

/**
 * Spreads labels along one axis so none overlaps another (at least `gap` apart), keeping each as
 * near its own position as it can and all within [min, max]. Used for threshold labels that sit
 * close together (warn > 5, critical > 6).
 */
export function spreadLabels(positions: readonly number[], gap: number, min: number, max: number): PlacedLabel[] {
  const order = positions.map((at, i) => ({ at, i })).sort((a, b) => a.at - b.at);
  const drawn = order.map((o) => Math.min(max, Math.max(min, o.at)));
  for (let i = 1; i < drawn.length; i++) if (drawn[i]! - drawn[i - 1]! < gap) drawn[i] = drawn[i - 1]! + gap;
  // Pushed past the end: walk back from the end.
  if (drawn.length && drawn[drawn.length - 1]! > max) {
    drawn[drawn.length - 1] = max;
    for (let i = drawn.length - 2; i >= 0; i--) if (drawn[i + 1]! - drawn[i]! < gap) drawn[i] = drawn[i + 1]! - gap;
  }
  const out: PlacedLabel[] = new Array(positions.length);
  order.forEach((o, k) => (out[o.i] = { at: o.at, drawnAt: drawn[k]! }));
  return out;
}

/** Keeps every n-th category label so that labels of `labelWidth` px fit in `width` px. */
export function thinLabels(count: number, width: number, labelWidth: number): number {
  if (count <= 0) return 1;
  const fits = Math.max(1, Math.floor(width / Math.max(1, labelWidth)));
  return Math.max(1, Math.ceil(count / fits));
}

/** The range choices of a time chart, as `range` query values. */
export const CHART_RANGES = ["1h", "6h", "24h", "7d"] as const;

/** "2h", "45m", "3d": a span as a range query value (the history route's `range=`). */
export function rangeText(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

/** A dragged or clicked span of a chart: at least a minute, snapped to whole minutes. */
export function zoomWindow(a: number, b: number, minMs = MINUTE): { from: number; to: number } {
  let from = Math.min(a, b);
  let to = Math.max(a, b);
  if (to - from < minMs) {
    const mid = (from + to) / 2;
    from = mid - minMs / 2;
    to = mid + minMs / 2;
  }
  from = Math.floor(from / MINUTE) * MINUTE;
  to = Math.ceil(to / MINUTE) * MINUTE;
  return { from, to };
}
