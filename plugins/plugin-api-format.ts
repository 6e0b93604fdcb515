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
