import { isFreshnessSort, VERIFIED_FOR_MS, type BrokenWidget, type FreshnessSort, type RunbookFreshness } from "~/lib/freshness";
import { lastIncidentUse } from "../incidents/runbook-use.server";
import { getPortal, type Portal } from "../portal.server";
import { lastEdited } from "./edited.server";
import { findRunbookFile, scanRunbooks, type RunbookFile } from "./source.server";

function parseBroken(text: string): BrokenWidget[] {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

/** Freshness of the given runbooks (all of them by default), keyed by path. Reads the store; never reads a probe. */
export async function runbookFreshness(portal: Portal = getPortal(), options: { files?: RunbookFile[]; now?: number } = {}): Promise<Map<string, RunbookFreshness>> {
  const now = options.now ?? Date.now();
  const files = options.files ?? scanRunbooks(portal.runbooksDir);
  // A page of rows reads its own verifications, not all 2,000.
  const only = options.files && options.files.length <= 500 ? options.files.map((f) => f.path) : null;
  const [verifications, uses, edits] = await Promise.all([
    only?.length === 0
      ? []
      : only
        ? portal.store.db.selectFrom("runbook_verifications").selectAll().where("runbook", "in", only).execute()
        : portal.store.db.selectFrom("runbook_verifications").selectAll().execute(),
    lastIncidentUse(portal.store, portal.config.secretValues),
    Promise.all(files.map((f) => lastEdited(f, now))),
  ]);
  const byPath = new Map(verifications.map((v) => [v.runbook, v]));
  const out = new Map<string, RunbookFreshness>();
  files.forEach((f, i) => {
    const v = byPath.get(f.path);
    const verifiedAt = v?.verified_at == null ? null : Number(v.verified_at);
    const use = uses.get(f.path);
    out.set(f.path, {
      verifiedAt: verifiedAt === null ? null : new Date(verifiedAt).toISOString(),
      // Verified means something was checked: a runbook with no widget or live block has nothing to verify.
      verified: verifiedAt !== null && Number(v?.widgets ?? 0) > 0 && now - verifiedAt <= VERIFIED_FOR_MS,
      checkedAt: v ? new Date(Number(v.checked_at)).toISOString() : null,
      widgets: v ? Number(v.widgets) : 0,
      broken: v ? parseBroken(v.broken) : [],
      lastUsed: use ? { incidentId: use.incidentId, title: use.title, at: new Date(use.at).toISOString() } : null,
      editedAt: new Date(edits[i].at).toISOString(),
      editedFrom: edits[i].from,
    });
  });
  return out;
}

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

/**
 * Orders runbooks by one freshness column; ties (and runbooks without freshness) by title.
 * verified: never verified first, then oldest; broken: most first; used and edited: latest first, never last.
 */
export function sortByFreshness<T extends { path: string; title: string }>(rows: readonly T[], freshness: Map<string, RunbookFreshness>, sort: FreshnessSort): T[] {
  const key = (r: T): number => {
    const f = freshness.get(r.path);
    switch (sort) {
      case "verified":
        return time(f?.verifiedAt) ?? -Infinity;
      case "broken":
        return -(f?.broken.length ?? 0);
      case "used":
        return -(time(f?.lastUsed?.at) ?? -Infinity);
      case "edited":
        return -(time(f?.editedAt) ?? -Infinity);
    }
  };
  return [...rows].sort((a, b) => key(a) - key(b) || a.title.localeCompare(b.title));
}

/**
 * The index's rows with their freshness, ordered by `sort` when it names a freshness column;
 * anything else (absent, unknown) keeps the search order.
 */
export async function withFreshness<T extends { path: string; title: string }>(
  rows: readonly T[],
  sort: string | null,
  portal: Portal = getPortal(),
): Promise<{ rows: (T & { freshness: RunbookFreshness | null })[]; sort: FreshnessSort | null }> {
  const chosen = isFreshnessSort(sort) ? sort : null;
  // Sorting needs every runbook's freshness; a page of rows only its own (2,000 `git log`s otherwise).
  const files = chosen ? undefined : rows.map((r) => findRunbookFile(portal.runbooksDir, r.path)).filter((f): f is RunbookFile => !!f);
  const freshness = await runbookFreshness(portal, { files });
  const ordered = chosen ? sortByFreshness(rows, freshness, chosen) : [...rows];
  return { rows: ordered.map((r) => ({ ...r, freshness: freshness.get(r.path) ?? null })), sort: chosen };
}

/** One runbook page's freshness by its path (without `.md`); null when there is no such file. */
export async function freshnessOf(pagePath: string, portal: Portal = getPortal()): Promise<RunbookFreshness | null> {
  const file = findRunbookFile(portal.runbooksDir, pagePath);
  if (!file) return null;
  return (await runbookFreshness(portal, { files: [file] })).get(file.path) ?? null;
}
