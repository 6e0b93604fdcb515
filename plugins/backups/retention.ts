// Retention in restic's words (`forget --keep-last/--keep-hourly/--keep-daily/--keep-weekly/
// --keep-monthly/--keep-yearly`): each rule walks the backups newest first and keeps the newest
// backup of each of its N most recent periods (hours, days, ISO weeks, months, years, in UTC;
// keep-last: the N newest). A backup kept by several rules is kept once and counts for each. Beyond
// restic: the newest verified backup is never deleted, since it is the one a restore can trust.

export interface RetentionPolicy {
  last?: number;
  hourly?: number;
  daily: number;
  weekly: number;
  monthly: number;
  yearly?: number;
}

export interface RetentionDecision<T> {
  backup: T;
  keep: boolean;
  /** Why it is kept ("keep-daily 2026-11-27", "newest verified …"), or why it goes. */
  reasons: string[];
}

export const NEWEST_VERIFIED = "newest verified (a restore needs it)";

const pad = (n: number) => String(n).padStart(2, "0");
export function dayOf(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}
export function isoWeekOf(t: number): string {
  const d = new Date(t);
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - dow); // Thursday of this ISO week decides its year
  const year = day.getUTCFullYear();
  const week = Math.ceil(((day.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${pad(week)}`;
}
export function monthOf(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
}

export function hourOf(t: number): string {
  return `${dayOf(t)}T${pad(new Date(t).getUTCHours())}`;
}
export function yearOf(t: number): string {
  return String(new Date(t).getUTCFullYear());
}

/** The rules a policy sets, in restic's order and words. */
export function policyRules(policy: RetentionPolicy): [string, number, ((t: number) => string) | null][] {
  const all: [string, number | undefined, ((t: number) => string) | null][] = [
    ["keep-last", policy.last, null],
    ["keep-hourly", policy.hourly, hourOf],
    ["keep-daily", policy.daily, dayOf],
    ["keep-weekly", policy.weekly, isoWeekOf],
    ["keep-monthly", policy.monthly, monthOf],
    ["keep-yearly", policy.yearly, yearOf],
  ];
  return all.filter((r): r is [string, number, ((t: number) => string) | null] => r[1] !== undefined);
}

/** "keep-daily 30, keep-weekly 12, keep-monthly 12" */
export function describePolicy(policy: RetentionPolicy): string {
  return policyRules(policy)
    .map(([name, n]) => `${name} ${n}`)
    .join(", ");
}

/**
 * Decides every backup (newest first in the answer). Only finished (`good`) backups should be
 * passed. With `verified`, the newest backup it accepts is kept whatever the rules say.
 */
export function applyRetention<T>(backups: T[], at: (b: T) => number, policy: RetentionPolicy, options: { verified?: (b: T) => boolean } = {}): RetentionDecision<T>[] {
  const sorted = [...backups].sort((a, b) => at(b) - at(a));
  const reasons = new Map<T, string[]>(sorted.map((b) => [b, []]));
  for (const [name, count, bucket] of policyRules(policy)) {
    let left = count;
    let last: string | null = null;
    let n = 0;
    for (const b of sorted) {
      if (left <= 0) break;
      const k = bucket ? bucket(at(b)) : String(++n);
      if (k === last) continue;
      last = k;
      left--;
      reasons.get(b)!.push(`${name} ${k}`);
    }
  }
  const proven = options.verified ? sorted.find(options.verified) : undefined;
  if (proven !== undefined) reasons.get(proven)!.push(NEWEST_VERIFIED);
  const rules = describePolicy(policy);
  return sorted.map((b) => {
    const r = reasons.get(b)!;
    if (r.length) return { backup: b, keep: true, reasons: r };
    return { backup: b, keep: false, reasons: [`not kept by ${rules || "any keep-* rule"}; not the newest verified`] };
  });
}
