import { parseDuration, type Thresholds } from "../../../plugins/plugin-api";
import { InputError } from "../http/errors.server";
import { parseThreshold, ThresholdError } from "./thresholds.server";

/** Directive thresholds from a query (`?warn=> 5&critical=> 10 for 5m`); a bad one is an `InputError` (400). */
export function thresholdsFromQuery(params: URLSearchParams): Thresholds | undefined {
  const warn = params.get("warn") ?? undefined;
  const critical = params.get("critical") ?? undefined;
  if (!warn && !critical) return undefined;
  const fieldErrors: Record<string, string[]> = {};
  for (const [k, v] of Object.entries({ warn, critical })) {
    if (!v) continue;
    try {
      parseThreshold(v);
    } catch (err) {
      fieldErrors[k] = [err instanceof ThresholdError ? err.message : String(err)];
    }
  }
  if (Object.keys(fieldErrors).length) throw new InputError("invalid thresholds", fieldErrors);
  return { warn, critical };
}

const RANGE_MAX_MS = 90 * 86_400_000;

export function rangeFromQuery(params: URLSearchParams, retentionMs: number): number {
  const raw = params.get("range") ?? "24h";
  let ms: number;
  try {
    ms = parseDuration(raw);
  } catch {
    throw new InputError("invalid range", { range: [`not a duration: "${raw}" (use e.g. 1h, 24h, 7d)`] });
  }
  if (ms <= 0 || ms > RANGE_MAX_MS) throw new InputError("invalid range", { range: ["must be between 1s and 90d"] });
  return Math.min(ms, retentionMs);
}

/**
 * A chart's window end (`?end=<ms since epoch>`, for a zoomed or scrolled chart); now when absent.
 * An end in the future is now; a malformed one is an `InputError` (400).
 */
export function endFromQuery(params: URLSearchParams, now: number): number {
  const raw = params.get("end");
  if (raw === null || raw === "") return now;
  const end = Number(raw);
  if (!Number.isInteger(end) || end <= 0) throw new InputError("invalid end", { end: ["must be a time in milliseconds since 1970"] });
  return Math.min(end, now);
}
