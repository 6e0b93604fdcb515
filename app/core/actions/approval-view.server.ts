import type { ApprovalView } from "~/lib/approvals";
import { parseRoles } from "~/lib/roles";
import type { Portal } from "../portal.server";
import { secretValuesOf } from "../secrets/index.server";
import { runPreview } from "./dry-run.server";
import { loadStoredRequest, previewChanges } from "./requests.server";

export type { ApprovalView };

function parse<T>(text: string | null | undefined): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** The reason a request was made: a responder's "ask an admin", the admin's run made from one, or a critical approval request's `reason`. */
async function reasonOf(portal: Portal, runId: string): Promise<string | null> {
  const asked = await portal.store.db.selectFrom("run_requests").select("reason").where((eb) => eb.or([eb("run_id", "=", runId), eb("started_run_id", "=", runId)])).executeTakeFirst();
  if (asked) return asked.reason;
  const filed = await portal.store.db.selectFrom("audit_entries").select("details").where("run_id", "=", runId).where("outcome", "=", "requested").orderBy("seq", "asc").executeTakeFirst();
  const details = parse<{ reason?: unknown }>(filed?.details);
  return typeof details?.reason === "string" ? details.reason : null;
}

/**
 * The approver's view of a run waiting for a decision (`awaiting_approval` or a responder's
 * `requested`): read on the run page and the approval cards. The live dry run is made as the
 * requester, as the approval itself does, so "what changed since" is what approving would find.
 */
export async function approvalView(portal: Portal, runId: string): Promise<ApprovalView | null> {
  const run = await portal.store.db.selectFrom("action_runs").select(["id", "action_id", "actor", "status", "evidence"]).where("id", "=", runId).executeTakeFirst();
  if (!run || (run.status !== "awaiting_approval" && run.status !== "requested")) return null;
  const reg = portal.registry.actions.get(run.action_id);
  const stored = await loadStoredRequest(portal, run.id);
  const preview = stored?.ok ? ((stored.request.preview as ApprovalView["preview"]) ?? null) : null;
  const view: ApprovalView = { requester: run.actor, reason: await reasonOf(portal, run.id), preview, evidence: parse(run.evidence), changes: null, changesNote: null };
  if (!reg?.def.preview) return view;
  if (!stored) return { ...view, changesNote: "the request's input is not stored: it cannot be compared" };
  if (!stored.ok) return { ...view, changesNote: stored.error };
  if (stored.request.preview === null) return { ...view, changesNote: "the requester saw no preview: nothing to compare" };
  const parsed = reg.def.input.safeParse(stored.request.input);
  if (!parsed.success) return { ...view, changesNote: "the stored input no longer fits the action" };
  const requester = await portal.store.db.selectFrom("users").select("roles").where("username", "=", run.actor).executeTakeFirst();
  const secrets = [...portal.config.secretValues, ...secretValuesOf(reg.def.input, parsed.data)];
  const dry = await runPreview(portal, reg, parsed.data, { username: run.actor, roles: parseRoles(requester?.roles ?? "") }, secrets, undefined, { precondition: stored.request.precondition });
  if (dry.kind === "upstream") return { ...view, changesNote: `the live dry run failed: ${dry.error}` };
  if (dry.kind === "invalid") return { ...view, changes: previewChanges(stored.request.preview, { refused: dry.error }), changesNote: `the dry run now refuses this request: ${dry.error}` };
  if (dry.kind === "none") return view;
  return { ...view, changes: previewChanges(stored.request.preview, dry.preview) };
}
