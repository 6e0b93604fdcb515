/** How fresh a runbook is, as its page and the index show it. No server imports: shared with the browser. */

export interface BrokenWidget {
  /** What the runbook names: a probe or action id, a directive, or a live block's query. */
  name: string;
  kind: "status" | "chart" | "table" | "action" | "directive" | "promql";
  reason: string;
  line: number | null;
}

export interface RunbookFreshness {
  /** ISO time of the last verification pass that found every widget and live block healthy. */
  verifiedAt: string | null;
  /** True when `verifiedAt` is within the last day. */
  verified: boolean;
  /** ISO time of the last pass, healthy or not; null before the first one. */
  checkedAt: string | null;
  widgets: number;
  broken: BrokenWidget[];
  /** The latest incident that used the runbook (linked it, ticked its steps, ran its actions). */
  lastUsed: { incidentId: string; title: string; at: string } | null;
  /** ISO time of the file's last git commit, else its modification time. */
  editedAt: string;
  editedFrom: "git" | "mtime";
}

export const FRESHNESS_SORTS = ["verified", "broken", "used", "edited"] as const;
export type FreshnessSort = (typeof FRESHNESS_SORTS)[number];

export const FRESHNESS_SORT_LABELS: Record<FreshnessSort, string> = {
  verified: "Last verified (oldest first)",
  broken: "Broken widgets (most first)",
  used: "Last used in an incident (latest first)",
  edited: "Last edited (latest first)",
};

export function isFreshnessSort(v: unknown): v is FreshnessSort {
  return typeof v === "string" && (FRESHNESS_SORTS as readonly string[]).includes(v);
}

/** A verification counts for a day. */
export const VERIFIED_FOR_MS = 24 * 3600_000;
