import type { Portal } from "../portal.server";
import { requestPreviews } from "./requests.server";
import type { RunRow } from "./runner.server";

function parse(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const ACTIVE_STATUSES = ["awaiting_approval", "pending", "started"];

/** A run as the API and the run page show it (input already redacted at rest). */
export function runView(portal: Portal, row: RunRow) {
  const reg = portal.registry.actions.get(row.action_id);
  return {
    runId: row.id,
    actionId: row.action_id,
    title: reg?.def.title ?? row.action_id,
    target: row.target,
    risk: row.risk,
    status: row.status,
    actor: row.actor,
    input: parse(row.input),
    result: parse(row.result),
    error: row.error,
    log: row.log,
    progress: row.progress_done === null ? null : { done: Number(row.progress_done), total: row.progress_total === null ? null : Number(row.progress_total) },
    incidentId: row.incident_id,
    evidence: parse(row.evidence),
    breakGlass: !!row.break_glass,
    breakGlassReason: row.break_glass_reason,
    reviewedBy: row.reviewed_by,
    approvedBy: row.approved_by,
    expiresAt: row.expires_at ? new Date(Number(row.expires_at)).toISOString() : null,
    cancellable: !!reg?.def.cancellable,
    cancelRequested: !!row.cancel_requested,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    startedAt: row.started_at ? new Date(Number(row.started_at)).toISOString() : null,
    finishedAt: row.finished_at ? new Date(Number(row.finished_at)).toISOString() : null,
    active: ACTIVE_STATUSES.includes(row.status),
  };
}
export type RunView = ReturnType<typeof runView>;

export async function getRun(portal: Portal, runId: string): Promise<RunView | null> {
  if (typeof runId !== "string" || runId.length > 64) return null;
  const row = await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", runId).executeTakeFirst();
  return row ? runView(portal, row as RunRow) : null;
}

const SUMMARY_COLUMNS = ["id", "action_id", "target", "actor", "risk", "status", "created_at", "expires_at", "break_glass_reason", "started_at", "finished_at", "approved_by"] as const;

/**
 * Critical requests waiting for a second admin, each with what the requester saw: the input
 * (secret fields redacted) and the stored preview (amount, reason, blast radius…).
 */
export async function pendingApprovals(portal: Portal) {
  const rows = await portal.store.db
    .selectFrom("action_runs")
    .select([...SUMMARY_COLUMNS, "input", "incident_id"])
    .where("status", "=", "awaiting_approval")
    .orderBy("created_at", "asc")
    .limit(100)
    .execute();
  const previews = await requestPreviews(portal, rows.map((r) => r.id));
  return rows.map(({ input, ...r }) => ({ ...r, input: parse(input) as Record<string, unknown> | null, preview: (previews.get(r.id) ?? null) as ApprovalPreview | null }));
}

/** The preview fields the approver's card shows (ActionPreview as stored). */
export interface ApprovalPreview {
  summary?: string;
  count?: number;
  before?: unknown;
  after?: unknown;
}

/** Runs waiting for an admin, newest first: critical runs awaiting a second admin, and responders' requests. */
export async function waitingForAdmin(portal: Portal, limit = 20) {
  const rows = await portal.store.db
    .selectFrom("action_runs")
    .select(["id", "action_id", "target", "actor", "status", "created_at"])
    .where("status", "in", ["awaiting_approval", "requested"])
    .orderBy("created_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    runId: r.id,
    title: portal.registry.actions.get(r.action_id)?.def.title ?? r.action_id,
    target: r.target,
    actor: r.actor,
    kind: r.status === "requested" ? ("request" as const) : ("approval" as const),
    at: Number(r.created_at),
  }));
}

/** Break-glass runs no second admin has reviewed yet. */
export async function reviewQueue(portal: Portal) {
  return portal.store.db
    .selectFrom("action_runs")
    .select(SUMMARY_COLUMNS)
    .where("break_glass", "=", 1)
    .where("reviewed_at", "is", null)
    .where("status", "not in", ["refused"])
    .orderBy("created_at", "asc")
    .limit(100)
    .execute();
}
