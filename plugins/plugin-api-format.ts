// Part of the plugin API (re-exported by plugins/plugin-api.ts): how an age reads in a probe's
// summary and on the portal's pages, one way everywhere. No side effects, no imports, so browser
// code may import this file directly.

/** An age or a duration in words: "45s", "12 min", "3.2 h", "1.5 d" (minutes up to 2 h, hours up to 2 days). */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, ms) / 60_000;
  if (minutes < 1) return `${Math.round(minutes * 60)}s`;
  if (minutes < 120) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${Math.round((minutes / 60) * 10) / 10} h`;
  return `${Math.round((minutes / 1440) * 10) / 10} d`;
}

/** A zone's short name at an instant, as operators write it: UTC, EST, CET, CEST (GMT+5:30 where there is none). */
export function zoneName(at: number, timezone: string): string {
  const name = (locale: string) => new Intl.DateTimeFormat(locale, { timeZone: timezone, timeZoneName: "short" }).formatToParts(new Date(at)).find((p) => p.type === "timeZoneName")?.value;
  if (timezone === "UTC" || timezone === "Etc/UTC") return "UTC";
  // en-US knows American names, en-GB European ones.
  const us = name("en-US");
  if (us && !/^GMT[+-]/.test(us)) return us;
  return name("en-GB") ?? us ?? timezone;
}

/** "2026-03-29 09:00 CEST": an instant in a zone, the zone always named; `date: false` leaves the day out, `seconds: true` adds them. */
export function formatInZone(at: number, timezone: string, options: { date?: boolean; seconds?: boolean } = {}): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    ...(options.seconds ? { second: "2-digit" as const } : {}),
    hour12: false,
  }).formatToParts(new Date(at));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const clock = `${get("hour") === "24" ? "00" : get("hour")}:${get("minute")}${options.seconds ? `:${get("second")}` : ""}`;
  return `${options.date === false ? "" : `${get("year")}-${get("month")}-${get("day")} `}${clock} ${zoneName(at, timezone)}`;
}
