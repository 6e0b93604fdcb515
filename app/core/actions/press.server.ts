import type { User } from "../auth.server";
import { incidentForRun, runOriginOf } from "../incidents/joining.server";
import type { Portal } from "../portal.server";
import { isRequest, submitRequest } from "./ask-admin.server";
import type { PipelineResponse } from "./policy.server";
import { submitAction } from "./submit.server";

export interface Press {
  user: User | null;
  actionId: string;
  /** The request body as read, or why it could not be read (too large, too deep, not JSON): refused and audited as invalid. */
  body: { ok: true; value: Record<string, unknown> } | { ok: false; status: number; error: string };
  /** The client's address: anonymous refusals are rate-limited per address. */
  address?: string;
}

/**
 * The one front door for a press of an action button (`POST /api/actions/:id`):
 * - the run joins an incident: the one the body names, none for `incidentId: null`, else the open
 *   incident that links the runbook it was pressed on (`runbook`) or the action's plugin;
 * - `request: { reason }` asks an admin (a user who may not run it), anything else goes through the guard pipeline;
 * - the runbook it was pressed on is recorded with the run, in the transaction that files or starts it.
 */
export async function pressAction(portal: Portal, press: Press): Promise<PipelineResponse> {
  const { user, actionId } = press;
  if (!press.body.ok) return submitAction(portal, user, actionId, undefined, { address: press.address, bodyError: press.body });
  const body = { ...press.body.value };
  if (user && portal.registry.actions.has(actionId)) body.incidentId = await incidentForRun(portal.store, body, actionId);
  const origin = runOriginOf(body);
  if (isRequest(body)) return submitRequest(portal, user, actionId, body, { origin });
  return submitAction(portal, user, actionId, body, { address: press.address, origin });
}
