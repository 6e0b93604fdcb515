import { createContext, useContext } from "react";
import { formatInstant, UTC_PREFERENCE, type Instant, type TimePreference } from "~/lib/time";

const TimePreferenceContext = createContext<TimePreference>(UTC_PREFERENCE);

export const TimePreferenceProvider = TimePreferenceContext.Provider;

export function useTimePreference(): TimePreference {
  return useContext(TimePreferenceContext);
}

/** `fmt(at)` in the reader's zone, the zone named: for text that is not a `<Time>` element (titles, labels). */
export function useFormatTime(): (at: Instant, options?: { date?: boolean; seconds?: boolean }) => string {
  const pref = useTimePreference();
  return (at, options) => formatInstant(at, pref, options);
}

/** An instant as the reader asked to see times: "2026-12-06 11:20 CET". */
export function Time({ at, date, seconds, className }: { at: Instant; date?: boolean; seconds?: boolean; className?: string }) {
  const pref = useTimePreference();
  const text = formatInstant(at, pref, { date, seconds });
  if (text === "—") return <span className={className}>—</span>;
  const iso = new Date(typeof at === "string" ? Date.parse(at) : (at as number | Date)).toISOString();
  return (
    <time dateTime={iso} className={className} title={pref.mode === "local" ? formatInstant(at, { mode: "utc", zone: "UTC" }, { seconds: true }) : undefined}>
      {text}
    </time>
  );
}
