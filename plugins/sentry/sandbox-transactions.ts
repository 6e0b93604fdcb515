/**
 * The Sentry sandbox's stored transactions, counted the way a column store would: per transaction name,
 * times in order with running totals (prefix counts) of each predicate the Discover query asks about
 * (failed; duration ≤ / < / > … a threshold). A count over [from, to) is two binary searches and two
 * subtractions, however many transactions the range holds; nothing is listed. A predicate's running
 * totals are built the first time it is asked about and extended as transactions arrive.
 */

/** A transaction (one request to a route): `status` as Sentry's span status, e.g. ok, internal_error. */
export interface SentryTransaction {
  at: number;
  transaction: string;
  durationMs: number;
  status: string;
}

/** Sentry counts a transaction as failed unless its status is ok, cancelled or unknown. */
export const isFailure = (status: string) => !["ok", "cancelled", "unknown"].includes(status);

export type DurationOp = "less" | "lessOrEquals" | "greater" | "greaterOrEquals" | "equals" | "notEquals";

const DURATION_TESTS: Record<DurationOp, (x: number, v: number) => boolean> = {
  less: (x, v) => x < v,
  lessOrEquals: (x, v) => x <= v,
  greater: (x, v) => x > v,
  greaterOrEquals: (x, v) => x >= v,
  equals: (x, v) => x === v,
  notEquals: (x, v) => x !== v,
};

interface Column {
  at: number[];
  durationMs: number[];
  failed: boolean[];
  /** Per predicate key: cum[i] = how many of the first i transactions match; valid up to cum.length - 1. */
  cums: Map<string, { test: (i: number) => boolean; cum: number[] }>;
}

/** The first index whose time is ≥ t. */
function lowerBound(a: number[], t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A `transaction:` filter: one name, or a prefix when it ends in *. */
export const matchesTransaction = (pattern: string, transaction: string) => (pattern.endsWith("*") ? transaction.startsWith(pattern.slice(0, -1)) : transaction === pattern);

export class TransactionStore {
  private columns = new Map<string, Column>();
  private total = 0;

  get size(): number {
    return this.total;
  }

  /** Stores one transaction; in time order this is an append, otherwise an insert that trims the running totals after it. */
  add(t: SentryTransaction): void {
    let c = this.columns.get(t.transaction);
    if (!c) this.columns.set(t.transaction, (c = { at: [], durationMs: [], failed: [], cums: new Map() }));
    const n = c.at.length;
    const failed = isFailure(t.status);
    if (!n || c.at[n - 1]! <= t.at) {
      c.at.push(t.at);
      c.durationMs.push(t.durationMs);
      c.failed.push(failed);
    } else {
      const i = lowerBound(c.at, t.at + 1);
      c.at.splice(i, 0, t.at);
      c.durationMs.splice(i, 0, t.durationMs);
      c.failed.splice(i, 0, failed);
      for (const p of c.cums.values()) if (p.cum.length > i + 1) p.cum.length = i + 1;
    }
    this.total++;
  }

  addAll(list: Iterable<SentryTransaction>): void {
    for (const t of list) this.add(t);
  }

  private columnsFor(pattern?: string): Column[] {
    if (pattern && !pattern.endsWith("*")) {
      const c = this.columns.get(pattern);
      return c ? [c] : [];
    }
    return [...this.columns.entries()].filter(([name]) => !pattern || matchesTransaction(pattern, name)).map(([, c]) => c);
  }

  private cumOf(c: Column, key: string, test: (c: Column, i: number) => boolean): number[] {
    let p = c.cums.get(key);
    if (!p) c.cums.set(key, (p = { test: (i) => test(c, i), cum: [0] }));
    const cum = p.cum;
    for (let i = cum.length - 1; i < c.at.length; i++) cum.push(cum[i]! + (p.test(i) ? 1 : 0));
    return cum;
  }

  private range(c: Column, from: number, to: number): [number, number] {
    return [lowerBound(c.at, from), lowerBound(c.at, to)];
  }

  /** Transactions in [from, to) of one name or prefix (default all). */
  count(from: number, to: number, pattern?: string): number {
    let n = 0;
    for (const c of this.columnsFor(pattern)) {
      const [lo, hi] = this.range(c, from, to);
      n += hi - lo;
    }
    return n;
  }

  /** Failed transactions in [from, to) (Sentry's failure_count()). */
  failures(from: number, to: number, pattern?: string): number {
    let n = 0;
    for (const c of this.columnsFor(pattern)) {
      const [lo, hi] = this.range(c, from, to);
      const cum = this.cumOf(c, "failed", (col, i) => col.failed[i]!);
      n += cum[hi]! - cum[lo]!;
    }
    return n;
  }

  /** Transactions in [from, to) whose duration passes `op` against `valueMs` (Sentry's count_if(transaction.duration,op,value)). */
  countIf(from: number, to: number, op: DurationOp, valueMs: number, pattern?: string): number {
    const test = DURATION_TESTS[op];
    let n = 0;
    for (const c of this.columnsFor(pattern)) {
      const [lo, hi] = this.range(c, from, to);
      const cum = this.cumOf(c, `duration:${op}:${valueMs}`, (col, i) => test(col.durationMs[i]!, valueMs));
      n += cum[hi]! - cum[lo]!;
    }
    return n;
  }

  /**
   * A percentile of the durations in [from, to) (Sentry's p95(transaction.duration)): the one read that
   * needs the values themselves, so it copies the range's durations; the SLOs count with countIf instead.
   */
  percentile(from: number, to: number, q: number, pattern?: string): number | null {
    const d: number[] = [];
    for (const c of this.columnsFor(pattern)) {
      const [lo, hi] = this.range(c, from, to);
      for (let i = lo; i < hi; i++) d.push(c.durationMs[i]!);
    }
    if (!d.length) return null;
    d.sort((a, b) => a - b);
    return d[Math.min(d.length - 1, Math.max(0, Math.ceil(q * d.length) - 1))]!;
  }
}
