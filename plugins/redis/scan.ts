import type { Redis } from "ioredis";

export interface ScanOptions {
  /** SCAN's COUNT hint. */
  count: number;
  /** Epoch ms at which the walk stops, complete or not. */
  deadline: number;
  signal?: AbortSignal;
  /** Stop after this many distinct keys (the rest is "at least"). */
  limit?: number;
  /** Called with each batch of new, distinct keys (binary-safe). */
  onKeys?(keys: Buffer[]): Promise<void> | void;
}

export interface ScanResult {
  /** Distinct keys seen. */
  seen: number;
  /** True when SCAN came back to cursor 0: every key that existed throughout was seen. */
  complete: boolean;
  /** Why the walk stopped early, when it did. */
  stoppedBy?: "time" | "limit" | "abort";
  ms: number;
}

/** Dedup set bound: beyond this many keys the count may include SCAN's rare repeats. */
const DEDUP_MAX = 2_000_000;

/**
 * Walks the keys matching `pattern` with SCAN (never KEYS), time-boxed: when the box ends the
 * result says how many were seen so far, and that the true number is at least that.
 */
export async function scanKeys(redis: Redis, pattern: string, opts: ScanOptions): Promise<ScanResult> {
  const t0 = Date.now();
  const seen = new Set<string>();
  let extra = 0;
  let cursor = "0";
  let dropped = false;
  for (;;) {
    if (opts.signal?.aborted) return { seen: seen.size + extra, complete: false, stoppedBy: "abort", ms: Date.now() - t0 };
    const [next, keys] = await redis.scanBuffer(cursor, "MATCH", pattern, "COUNT", opts.count);
    const fresh: Buffer[] = [];
    for (const k of keys) {
      if (opts.limit !== undefined && seen.size + extra >= opts.limit) {
        dropped = true;
        break;
      }
      const id = k.toString("latin1");
      if (seen.has(id)) continue;
      if (seen.size < DEDUP_MAX) seen.add(id);
      else extra++;
      fresh.push(k);
    }
    if (fresh.length && opts.onKeys) await opts.onKeys(fresh);
    cursor = next.toString();
    const total = seen.size + extra;
    if (cursor === "0" && !dropped) return { seen: total, complete: true, ms: Date.now() - t0 };
    if (dropped || (cursor === "0") || (opts.limit !== undefined && total >= opts.limit)) return { seen: total, complete: false, stoppedBy: "limit", ms: Date.now() - t0 };
    if (Date.now() >= opts.deadline) return { seen: total, complete: false, stoppedBy: "time", ms: Date.now() - t0 };
  }
}

/** "1,234" or "at least 1,234" */
export function countText(r: ScanResult): string {
  return `${r.complete ? "" : "at least "}${r.seen.toLocaleString("en-US")}`;
}

/** Seconds as "5m", "48h", "2d 3h", "42s". */
export function formatTtl(ms: number): string {
  if (ms < 0) return ms === -1 ? "no TTL" : "gone";
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${+(s / 3600).toFixed(1)}h`;
  return `${+(s / 86_400).toFixed(1)}d`;
}
