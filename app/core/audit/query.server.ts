import { z } from "zod";
import type { Store } from "../db/store.server";
import type { AuditEntry } from "./chain.server";

const Text = z.string().trim().max(200).optional().transform((v) => v || undefined);
const Time = z
  .string()
  .trim()
  .max(40)
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const ms = /^\d{10,14}$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: "must be a date/time such as 2026-11-26T03:00" });
      return z.NEVER;
    }
    return ms;
  });

export const AuditFilterSchema = z.object({
  actor: Text,
  action: Text,
  outcome: Text,
  incident: Text,
  run: Text,
  from: Time,
  to: Time,
  /** Keyset cursor: entries with seq below this. */
  before: z.coerce.number().int().positive().optional().catch(undefined),
  limit: z.coerce.number().int().min(1).max(500).optional().catch(undefined),
});
export type AuditFilter = Partial<z.infer<typeof AuditFilterSchema>>;

export function parseAuditFilter(params: URLSearchParams): { filter: AuditFilter; fieldErrors: Record<string, string[]> } {
  const raw = Object.fromEntries([...params.entries()].filter(([k]) => k in AuditFilterSchema.shape));
  const parsed = AuditFilterSchema.safeParse(raw);
  if (parsed.success) return { filter: parsed.data, fieldErrors: {} };
  return { filter: {} as AuditFilter, fieldErrors: z.flattenError(parsed.error).fieldErrors as Record<string, string[]> };
}

/** Time bounds become seq bounds: `at` never decreases along the chain, and both are indexed. */
async function seqBounds(store: Store, f: AuditFilter): Promise<{ lo?: number; hi?: number; empty: boolean }> {
  let lo: number | undefined;
  let hi: number | undefined;
  if (f.from !== undefined) {
    const r = await store.db.selectFrom("audit_entries").select("seq").where("at", ">=", f.from).orderBy("at", "asc").orderBy("seq", "asc").limit(1).executeTakeFirst();
    if (!r) return { empty: true };
    lo = Number(r.seq);
  }
  if (f.to !== undefined) {
    const r = await store.db.selectFrom("audit_entries").select("seq").where("at", "<=", f.to).orderBy("at", "desc").orderBy("seq", "desc").limit(1).executeTakeFirst();
    if (!r) return { empty: true };
    hi = Number(r.seq);
  }
  return { lo, hi, empty: lo !== undefined && hi !== undefined && lo > hi };
}

function filtered(store: Store, f: AuditFilter, bounds: { lo?: number; hi?: number }, before?: number) {
  let q = store.db.selectFrom("audit_entries").selectAll();
  if (f.actor) q = q.where("actor", "=", f.actor);
  if (f.action) q = q.where("action", "=", f.action);
  if (f.outcome) q = q.where("outcome", "=", f.outcome);
  if (f.incident) q = q.where("incident_id", "=", f.incident);
  if (f.run) q = q.where("run_id", "=", f.run);
  if (bounds.lo !== undefined) q = q.where("seq", ">=", bounds.lo);
  if (bounds.hi !== undefined) q = q.where("seq", "<=", bounds.hi);
  if (before !== undefined) q = q.where("seq", "<", before);
  return q;
}

function normalize(r: AuditEntry): AuditEntry {
  return { ...r, seq: Number(r.seq), at: Number(r.at) };
}

/** One page of entries, newest first, and the cursor for the next (older) page. */
export async function listAudit(store: Store, f: AuditFilter): Promise<{ entries: AuditEntry[]; next: number | null }> {
  const limit = f.limit ?? 50;
  const bounds = await seqBounds(store, f);
  if (bounds.empty) return { entries: [], next: null };
  const rows = await filtered(store, f, bounds, f.before).orderBy("seq", "desc").limit(limit + 1).execute();
  const entries = rows.slice(0, limit).map((r) => normalize(r as AuditEntry));
  return { entries, next: rows.length > limit ? entries[entries.length - 1].seq : null };
}

/** Every matching entry, oldest first, in batches (for export). */
export async function* iterateAudit(store: Store, f: AuditFilter, batch = 1000): AsyncGenerator<AuditEntry> {
  const bounds = await seqBounds(store, f);
  if (bounds.empty) return;
  let after = 0;
  for (;;) {
    const rows = await filtered(store, f, bounds).where("seq", ">", after).orderBy("seq", "asc").limit(batch).execute();
    for (const r of rows) yield normalize(r as AuditEntry);
    if (rows.length < batch) return;
    after = Number(rows[rows.length - 1].seq);
  }
}

export const EXPORT_FIELDS = ["seq", "at", "actor", "roles", "action", "target", "outcome", "incident_id", "run_id", "details", "prev_hash", "hash"] as const;

export function exportRecord(e: AuditEntry) {
  let details: unknown = e.details;
  try {
    details = JSON.parse(e.details);
  } catch {
    /* keep the text */
  }
  return {
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    roles: e.roles,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    incident_id: e.incident_id,
    run_id: e.run_id,
    details,
    prev_hash: e.prev_hash,
    hash: e.hash,
  };
}

/** A CSV cell: quoted, and never starting with a formula character a spreadsheet would execute. */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}
