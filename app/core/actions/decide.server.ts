import { InputError } from "../../../plugins/plugin-api";
import { hasRole } from "~/lib/roles";
import type { User } from "../auth.server";
import type { Portal } from "../portal.server";
import { decideApproval } from "./approvals.server";
import { decideRequest } from "./ask-admin.server";
import { actorOf, refuse, type RunAnswer } from "./policy.server";

export interface Decision {
  decision: "approve" | "deny";
  note?: string;
  /** Typed confirmation (the run's target): a request the admin runs as their own run, and a critical run's approval. */
  confirm?: string;
  /** The client's address: anonymous refusals are rate-limited per address. */
  address?: string;
}

/**
 * The one path for an admin's decision on a run that waits for one, from the API
 * (`POST /api/runs/:runId/approval`) and the `/audit` form alike: a responder's request ("ask an
 * admin") is run as the admin's own run or declined; anything else is a critical run's
 * second-admin approval, approved only with the run's target typed (400, audited invalid, without
 * it). Nobody signed in is refused and audited (rate-limited per address).
 * Answers the run; a refusal is thrown as a member of the error family.
 */
export async function decideRun(portal: Portal, user: User | null, runId: string, d: Decision): Promise<RunAnswer> {
  if (user && typeof runId === "string" && runId.length <= 64) {
    const run = await portal.store.db.selectFrom("action_runs").select(["status", "action_id", "target", "actor", "incident_id"]).where("id", "=", runId).executeTakeFirst();
    if (run?.status === "requested") return decideRequest(portal, user, runId, d.decision, { confirm: d.confirm, note: d.note });
    // A critical run starts on this approval: the approver types its target, as the requester did
    // (the card, /audit and Slack's modal ask for it). Who may not approve at all is refused by
    // decideApproval for that reason first.
    if (run?.status === "awaiting_approval" && d.decision === "approve" && hasRole(user.roles, "admin") && user.username !== run.actor && (d.confirm ?? "").trim() !== run.target) {
      return refuse(
        portal,
        { action: run.action_id, target: run.target, ...actorOf(user), incidentId: run.incident_id, runId, outcome: "invalid", details: { reason: "typed confirmation does not match the target", decision: d.decision } },
        new InputError(`type the target "${run.target}" to approve`, { fieldErrors: { confirm: [`type "${run.target}" to confirm`] }, body: { target: run.target } }),
      );
    }
  }
  return decideApproval(portal, user, runId, d.decision, d.note, { address: d.address });
}
