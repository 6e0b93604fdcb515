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

// Making an Intl.DateTimeFormat costs tens of microseconds (a page of 300 timeline rows spent more
// time building formatters than rendering); one per locale, zone and shape is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formatters.get(key);
  if (!f) {
    if (formatters.size > 500) formatters.clear();
    formatters.set(key, (f = make()));
  }
  return f;
}

/** A zone's short name at an instant, as operators write it: UTC, EST, CET, CEST (GMT+5:30 where there is none). */
export function zoneName(at: number, timezone: string): string {
  const name = (locale: string) => formatter(`${locale}|${timezone}|zone`, () => new Intl.DateTimeFormat(locale, { timeZone: timezone, timeZoneName: "short" })).formatToParts(new Date(at)).find((p) => p.type === "timeZoneName")?.value;
  if (timezone === "UTC" || timezone === "Etc/UTC") return "UTC";
  // A zone's name changes only on the hour (daylight saving), so it is looked up once per zone and hour.
  const key = `${timezone}|${Math.floor(at / 3_600_000)}`;
  const known = zoneNames.get(key);
  if (known) return known;
  // en-US knows American names, en-GB European ones.
  const us = name("en-US");
  const found = us && !/^GMT[+-]/.test(us) ? us : (name("en-GB") ?? us ?? timezone);
  if (zoneNames.size > 5_000) zoneNames.clear();
  zoneNames.set(key, found);
  return found;
}
const zoneNames = new Map<string, string>();

/** "2026-03-29 09:00 CEST": an instant in a zone, the zone always named; `date: false` leaves the day out, `seconds: true` adds them. */
export function formatInZone(at: number, timezone: string, options: { date?: boolean; seconds?: boolean } = {}): string {
  const parts = formatter(`en-GB|${timezone}|${options.seconds ? "s" : "m"}`, () =>
    new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      ...(options.seconds ? { second: "2-digit" as const } : {}),
      hour12: false,
    }),
  ).formatToParts(new Date(at));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const clock = `${get("hour") === "24" ? "00" : get("hour")}:${get("minute")}${options.seconds ? `:${get("second")}` : ""}`;
  return `${options.date === false ? "" : `${get("year")}-${get("month")}-${get("day")} `}${clock} ${zoneName(at, timezone)}`;
}
