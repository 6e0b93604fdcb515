import { InputError } from "../../../plugins/errors";
import type { User } from "../auth.server";
import type { Portal } from "../portal.server";
import { actorOf, mayRun, refuse } from "./policy.server";

export const REASON_MIN = 10;
export const REASON_MAX = 2000;

/**
 * A press that files a request for a second admin (a critical action without break-glass) says
 * why: the approver decides on it. Refused as `invalid` (400 with `fieldErrors.reason`) without
 * one; the reason is returned trimmed for the "requested" entry. Other presses need none (a
 * responder's "ask an admin" carries its own, `request.reason`, checked where it is filed).
 */
export async function approvalReasonOf(portal: Portal, user: User | null, actionId: string, body: Record<string, unknown>): Promise<string | null> {
  const reg = portal.registry.actions.get(actionId);
  if (!user || !reg || reg.risk !== "critical" || !mayRun(user.roles, reg.risk)) return null;
  const breakGlass = typeof body.breakGlassReason === "string" && body.breakGlassReason.trim() !== "";
  if (breakGlass) return null;
  const reason = typeof body.reason === "string" ? body.reason.trim() : "";
  if (reason.length >= REASON_MIN && reason.length <= REASON_MAX) return reason;
  const message = reason ? `the reason must be ${REASON_MIN} to ${REASON_MAX} characters` : "say why this is needed: the approving admin reads it";
  return refuse(portal, { action: reg.id, target: reg.id, ...actorOf(user), outcome: "invalid", details: { reason: "approval request without a reason" } }, new InputError(message, { reason: [`say why (${REASON_MIN} to ${REASON_MAX} characters)`] }));
}
