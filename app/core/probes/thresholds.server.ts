import { parseDuration, type ProbeStatus, type Thresholds } from "../../../plugins/plugin-api";

export type Operator = ">" | ">=" | "<" | "<=" | "==" | "!=";

/** One parsed threshold: `> 5`, `>= 2`, `< 1`, `== 0`, `> 0 for 10m`. */
export interface Condition {
  op: Operator;
  operand: number;
  /** The condition must have held for this long (ms) before it counts; 0 = at once. */
  forMs: number;
  text: string;
}

const THRESHOLD = /^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*(?:for\s+(\S+))?\s*$/;

export class ThresholdError extends Error {}

export function parseThreshold(text: string): Condition {
  const m = THRESHOLD.exec(text);
  if (!m) throw new ThresholdError(`not a threshold: "${text}" (use e.g. "> 5", ">= 2", "< 1", "== 0", "> 0 for 10m")`);
  let forMs = 0;
  if (m[3]) {
    try {
      forMs = parseDuration(m[3]);
    } catch {
      throw new ThresholdError(`not a threshold: "${text}" ("${m[3]}" is not a duration such as 10m)`);
    }
  }
  return { op: m[1] as Operator, operand: Number(m[2]), forMs, text: text.trim() };
}

export interface ParsedThresholds {
  warn?: Condition;
  critical?: Condition;
}

export function parseThresholds(t: Thresholds | undefined): ParsedThresholds {
  return {
    warn: t?.warn ? parseThreshold(t.warn) : undefined,
    critical: t?.critical ? parseThreshold(t.critical) : undefined,
  };
}

export function holds(c: Condition, value: number | null): boolean {
  if (value === null || !Number.isFinite(value)) return false;
  switch (c.op) {
    case ">":
      return value > c.operand;
    case ">=":
      return value >= c.operand;
    case "<":
      return value < c.operand;
    case "<=":
      return value <= c.operand;
    case "==":
      return value === c.operand;
    case "!=":
      return value !== c.operand;
  }
}

/** A stored sample, newest first when passed to `evaluate`. */
export interface HistoryPoint {
  at: number;
  value: number | null;
}

/**
 * Whether `c` holds now and has held without a break for its `for` duration. `history` holds the
 * stored samples newest first (the current value is checked separately); a sample whose value
 * breaks the condition, or has none (error, timeout), restarts the clock.
 */
export function heldFor(c: Condition, value: number | null, now: number, history: readonly HistoryPoint[]): boolean {
  if (!holds(c, value)) return false;
  if (c.forMs <= 0) return true;
  let since = now;
  for (const point of history) {
    if (point.at > now) continue;
    if (!holds(c, point.value)) break;
    since = point.at;
  }
  return now - since >= c.forMs;
}

/** The longest `for` duration among the thresholds: how much history `evaluate` needs. */
export function historyNeeded(t: ParsedThresholds): number {
  return Math.max(t.warn?.forMs ?? 0, t.critical?.forMs ?? 0);
}

/**
 * Status of a successful reading: critical beats warn beats ok. A plugin that knows better
 * (e.g. a health document that reports errors) sets `declared`, which wins unless a threshold
 * says worse.
 */
export function evaluate(t: ParsedThresholds, value: number | null, now: number, history: readonly HistoryPoint[], declared?: ProbeStatus): ProbeStatus {
  let status: ProbeStatus = "ok";
  if (t.critical && heldFor(t.critical, value, now, history)) status = "critical";
  else if (t.warn && heldFor(t.warn, value, now, history)) status = "warn";
  if (declared) return worse(declared, status);
  return status;
}

const RANK: Record<ProbeStatus, number> = { ok: 0, unknown: 1, warn: 2, critical: 3 };

/** The worse of two statuses: critical > warn > unknown > ok. */
export function worse(a: ProbeStatus, b: ProbeStatus): ProbeStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

export function worst(statuses: Iterable<ProbeStatus>): ProbeStatus {
  let out: ProbeStatus = "ok";
  let any = false;
  for (const s of statuses) {
    out = any ? worse(out, s) : s;
    any = true;
  }
  return any ? out : "unknown";
}
