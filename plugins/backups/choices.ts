import { formatAge, type InputChoices } from "../plugin-api";
import type { CatalogRow } from "./catalog";
import { formatBytes } from "./engine";

/**
 * The backups a restore of `target` may use, newest first, each with its verification as a badge:
 * a backup that failed its verification (checksum, restore or counts) is listed but refused; an
 * unverified newest backup earns a nudge to verify it before restoring from it.
 */
export function restoreChoices(rows: CatalogRow[], target: string | undefined, now: number): InputChoices {
  if (!target) return { choices: [], note: "Choose the target first." };
  const mine = rows.filter((r) => r.target === target && r.status === "good").sort((a, b) => (b.endedAt ?? b.startedAt) - (a.endedAt ?? a.startedAt));
  if (!mine.length) return { choices: [], note: `${target} has no finished backup to restore from.` };
  const choices = mine.map((r) => {
    const taken = r.endedAt ?? r.startedAt;
    const when = `${new Date(taken).toISOString().slice(0, 16).replace("T", " ")} UTC (${formatAge(now - taken)} ago)`;
    const size = r.size === null ? "" : `, ${formatBytes(r.size)}`;
    if (r.verifyStatus === "failed") {
      return { value: r.id, label: `${r.id}`, detail: `${when}${size}`, badge: { text: "verification failed", tone: "bad" as const }, refused: `failed its verification: ${r.verifyDetail ?? "no detail"}` };
    }
    if (r.verifyStatus === "passed") {
      const rto = r.rtoMs === null ? "" : `, restored in ${(r.rtoMs / 1000).toFixed(1)} s`;
      return { value: r.id, label: `${r.id}`, detail: `${when}${size}${rto}`, badge: { text: "verified", tone: "ok" as const } };
    }
    return { value: r.id, label: `${r.id}`, detail: `${when}${size}`, badge: { text: "not verified", tone: "warn" as const } };
  });
  const newest = mine[0]!;
  const note = newest.verifyStatus === null ? `The newest backup, ${newest.id}, is not verified yet: verify it before restoring from it (“Verify a backup” restores it into a scratch place and compares counts).` : undefined;
  return { choices, ...(note ? { note } : {}) };
}
