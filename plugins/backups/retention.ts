// GFS retention like restic's `forget --keep-daily/--keep-weekly/--keep-monthly`: each policy walks
// the backups newest first and keeps the newest backup of each of its N most recent periods (days,
// ISO weeks, months, in UTC). A backup kept by several policies is kept once and counts for each.

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface RetentionDecision<T> {
  backup: T;
  keep: boolean;
  /** Why it is kept ("daily 2026-11-27", "weekly 2026-W48"), or why it goes. */
  reasons: string[];
}

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

/** Decides every backup (newest first in the answer). Only finished (`good`) backups should be passed. */
export function applyRetention<T>(backups: T[], at: (b: T) => number, policy: RetentionPolicy): RetentionDecision<T>[] {
  const sorted = [...backups].sort((a, b) => at(b) - at(a));
  const reasons = new Map<T, string[]>(sorted.map((b) => [b, []]));
  const rules: [string, number, (t: number) => string][] = [
    ["daily", policy.daily, dayOf],
    ["weekly", policy.weekly, isoWeekOf],
    ["monthly", policy.monthly, monthOf],
  ];
  for (const [name, count, bucket] of rules) {
    let left = count;
    let last: string | null = null;
    for (const b of sorted) {
      if (left <= 0) break;
      const k = bucket(at(b));
      if (k === last) continue;
      last = k;
      left--;
      reasons.get(b)!.push(`${name} ${k}`);
    }
  }
  return sorted.map((b) => {
    const r = reasons.get(b)!;
    if (r.length) return { backup: b, keep: true, reasons: r };
    return { backup: b, keep: false, reasons: [`not the newest backup of a kept day, week or month (keeping ${policy.daily} daily, ${policy.weekly} weekly, ${policy.monthly} monthly)`] };
  });
}
