// One way to show time: every page writes an instant through the reader's preference, UTC or
// their own zone, and always names the zone. Shared by the server (the preference cookie) and the
// browser (the components), so no server import here.
import { formatInZone, zoneName } from "../../plugins/plugin-api-format";

export const TIME_MODES = ["utc", "local"] as const;
export type TimeMode = (typeof TIME_MODES)[number];

/** `local` carries the browser's IANA zone, sent by the settings form, so the server renders it too. */
export interface TimePreference {
  mode: TimeMode;
  zone: string;
}

export const UTC_PREFERENCE: TimePreference = { mode: "utc", zone: "UTC" };

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export type Instant = number | string | Date | null | undefined;

function ms(at: Instant): number | null {
  if (at == null) return null;
  const n = at instanceof Date ? at.getTime() : typeof at === "number" ? at : Date.parse(at);
  return Number.isFinite(n) ? n : null;
}

/** "2026-12-06 11:20 CET" in the preferred zone; "—" for no time. */
export function formatInstant(at: Instant, pref: TimePreference, options: { date?: boolean; seconds?: boolean } = {}): string {
  const n = ms(at);
  return n === null ? "—" : formatInZone(n, pref.zone, options);
}

/** "CET", "UTC": the name of the preferred zone now. */
export function preferredZoneName(pref: TimePreference, at = Date.now()): string {
  return zoneName(at, pref.zone);
}

/** `2026-12-06T10:20:00.000Z`, `2026-12-06T10:20:00Z`: a cell of a probe's rows that holds an instant. */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
