// Part of the plugin API (re-exported by plugins/plugin-api.ts, which plugins import): durations
// and time zones as config values. No side effects.
import { z } from "zod";

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "500ms", "5s", "1m", "10m", "1h", "14d" → milliseconds. Throws on anything else. */
export function parseDuration(text: string | number): number {
  if (typeof text === "number") return text;
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`not a duration: "${text}" (use e.g. 30s, 5m, 1h, 14d)`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

export const DurationSchema = z.string().refine((v) => DURATION.test(v.trim()), {
  message: "must be a duration such as 30s, 5m, 1h or 14d",
});

/** Whether the runtime knows an IANA time zone name. */
export function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A schedule's time zone (IANA name), UTC when not given. */
export const TimezoneSchema = z.string().default("UTC").refine(validTimezone, { message: "is not an IANA time zone (e.g. Europe/Berlin)" });
