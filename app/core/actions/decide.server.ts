import type { User } from "../auth.server";
import type { Portal } from "../portal.server";
import { decideApproval } from "./approvals.server";
import { decideRequest } from "./ask-admin.server";
import type { RunAnswer } from "./policy.server";

export interface Decision {
  decision: "approve" | "deny";
  note?: string;
  /** Typed confirmation, for a request the admin runs as their own run. */
  confirm?: string;
  /** The client's address: anonymous refusals are rate-limited per address. */
  address?: string;
}

/**
 * The one path for an admin's decision on a run that waits for one, from the API
 * (`POST /api/runs/:runId/approval`) and the `/audit` form alike: a responder's request ("ask an
 * admin") is run as the admin's own run or declined; anything else is a critical run's
 * second-admin approval. Nobody signed in is refused and audited (rate-limited per address).
 * Answers the run; a refusal is thrown as a member of the error family.
 */
export async function decideRun(portal: Portal, user: User | null, runId: string, d: Decision): Promise<RunAnswer> {
  if (user && typeof runId === "string" && runId.length <= 64) {
    const run = await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", runId).executeTakeFirst();
    if (run?.status === "requested") return decideRequest(portal, user, runId, d.decision, { confirm: d.confirm, note: d.note });
  }
  return decideApproval(portal, user, runId, d.decision, d.note, { address: d.address });
}
