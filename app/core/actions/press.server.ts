import type { User } from "../auth.server";
import { incidentForRun, runOriginOf } from "../incidents/joining.server";
import type { Portal } from "../portal.server";
import { isRequest, submitRequest } from "./ask-admin.server";
import type { PortalError } from "../../../plugins/plugin-api";
import { describeTarget, type RunAnswer } from "./policy.server";
import { approvalReasonOf } from "./request-reason.server";
import { submitAction } from "./submit.server";

export interface Press {
  user: User | null;
  actionId: string;
  /** The request body as read, or why it could not be read (too large, too deep, not JSON): refused and audited as invalid. */
  body: { ok: true; value: Record<string, unknown> } | { ok: false; error: PortalError };
  /** The client's address: anonymous refusals are rate-limited per address. */
  address?: string;
}

/**
 * The one front door for a press of an action button (`POST /api/actions/:id`):
 * - the run joins an incident: the one the body names, none for `incidentId: null`, else the open
 *   incident that links the runbook it was pressed on (`runbook`) or the action's plugin;
 * - a critical press filed for a second admin carries `reason` (required: the approver reads it);
 * - `request: { reason }` asks an admin (a user who may not run it), anything else goes through the guard pipeline;
 * - the runbook it was pressed on is recorded with the run, in the transaction that files or starts it.
 * Answers the run (`started`, `awaiting_approval`, `requested`, or the existing one for a repeated
 * idempotency key); every refusal is audited and thrown as a member of the error family.
 */
export async function pressAction(portal: Portal, press: Press): Promise<RunAnswer> {
  const { user, actionId } = press;
  if (!press.body.ok) return submitAction(portal, user, actionId, undefined, { address: press.address, bodyError: press.body.error });
  const body = { ...press.body.value };
  const reg = portal.registry.actions.get(actionId);
  if (user && reg) {
    const parsed = reg.def.input.safeParse(body.input ?? {});
    const target = parsed.success ? describeTarget(reg, parsed.data) : null;
    body.incidentId = await incidentForRun(portal.store, body, actionId, target && "target" in target ? target.target : null);
  }
  const origin = runOriginOf(body);
  if (isRequest(body)) return submitRequest(portal, user, actionId, body, { origin });
  body.reason = await approvalReasonOf(portal, user, actionId, body);
  return submitAction(portal, user, actionId, body, { address: press.address, origin });
}
