import { audit, Conflict } from "../audit/audit.server";
import type { AuditOutcome, Db } from "../audit/chain.server";
import type { Tables } from "../db/migrations/003-actions-audit";
import type { Portal } from "../portal.server";

type RunRow = Tables["action_runs"];

export type RunStatus =
  | "requested"
  | "awaiting_approval"
  | "pending"
  | "started"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "interrupted"
  | "refused"
  | "rejected"
  | "expired"
  | "superseded";

type RunColumn = keyof RunRow & string;

export interface Transition {
  /** The audit entry's outcome. */
  outcome: AuditOutcome;
  /** Who makes the change (the audit entry's actor). */
  by: { actor: string; roles: readonly string[]; via?: string };
  /** The run must be in one of these statuses, or nothing changes (a Conflict). */
  from?: RunStatus | readonly RunStatus[];
  /** The columns to set (the new status among them, if it changes). */
  set: Partial<Omit<RunRow, "id">>;
  /** Further guards on the row, e.g. ["expires_at", ">", now]. */
  guards?: readonly [RunColumn, "=" | ">" | "<" | "is", unknown][];
  details?: Record<string, unknown>;
  /** Values to scrub from the entry besides the config's secrets. */
  secrets?: readonly string[];
  /** More work in the same transaction (e.g. releasing the run's lock). */
  also?: (db: Db) => Promise<void>;
}

export type RunRef = Pick<RunRow, "id" | "action_id" | "target" | "incident_id">;

/**
 * An audited status change: the audit entry, the guarded UPDATE and any `also` work commit
 * together, or none of them does. Answers "conflict" when the run was no longer in a state the
 * guards accept (someone else moved it first); throws when the audit log cannot be written.
 */
export async function transitionRun(portal: Portal, run: RunRef, t: Transition): Promise<"done" | "conflict"> {
  const from = t.from === undefined ? null : typeof t.from === "string" ? [t.from] : [...t.from];
  const details = t.by.via ? { ...(t.details ?? {}), via: t.by.via } : t.details ?? {};
  try {
    await audit(
      portal,
      { action: run.action_id, target: run.target, actor: t.by.actor, roles: t.by.roles, incidentId: run.incident_id, runId: run.id, outcome: t.outcome, details },
      async (db) => {
        let q = db.updateTable("action_runs").set(t.set).where("id", "=", run.id);
        if (from) q = q.where("status", "in", from);
        for (const [column, op, value] of t.guards ?? []) q = q.where(column as any, op, value as any);
        const res = await q.executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw new Conflict(`run ${run.id} moved on`);
        if (t.also) await t.also(db);
      },
      t.secrets ?? [],
    );
    return "done";
  } catch (err) {
    if (err instanceof Conflict) return "conflict";
    throw err;
  }
}

/** A refusal after the run row exists: the row ends `refused` (the refusal's entry is written by the caller). */
export async function markRefused(portal: Portal, runId: string, error: string): Promise<void> {
  await portal.store.db
    .updateTable("action_runs")
    .set({ status: "refused", error, finished_at: Date.now() })
    .where("id", "=", runId)
    .where("status", "in", ["pending", "awaiting_approval"])
    .execute()
    .catch(() => {});
}

export async function loadRun(portal: Portal, runId: string): Promise<RunRow | undefined> {
  if (typeof runId !== "string" || runId.length > 64) return undefined;
  return (await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", runId).executeTakeFirst()) as RunRow | undefined;
}

