import type { InputChoices } from "../../../plugins/plugin-api";
import { ForbiddenError, NotFoundError, UpstreamError } from "../../../plugins/errors";
import { hasRole } from "~/lib/roles";
import type { User } from "../auth.server";
import type { Portal } from "../portal.server";
import { scrub } from "../secrets/index.server";

const OPTIONS_TIMEOUT_MS = 5_000;

/** The input fields of an action that offer a list of choices (the dialog draws them as a list). */
export function optionFields(portal: Portal, actionId: string): string[] {
  return Object.keys(portal.registry.actions.get(actionId)?.def.options ?? {});
}

/**
 * The live choices for one input field of an action (`GET /api/actions/:id/options?field=…`), for
 * a user who may run it or ask for it (a responder); scrubbed like any reading. The form's
 * current input is passed as given: the plugin reads only what it needs (the target).
 */
export async function inputOptions(portal: Portal, user: User, actionId: string, field: string, input: Record<string, unknown>): Promise<InputChoices> {
  const reg = portal.registry.actions.get(actionId);
  if (!reg) throw new NotFoundError(`no action "${actionId.slice(0, 200)}"`);
  if (!hasRole(user.roles, "responder")) throw new ForbiddenError("choosing an action's input needs the responder role");
  const read = reg.def.options?.[field];
  if (!read) throw new NotFoundError(`${reg.id} offers no choices for "${field.slice(0, 100)}"`);
  const signal = AbortSignal.timeout(OPTIONS_TIMEOUT_MS);
  let choices: InputChoices;
  try {
    choices = await read(input, { signal });
  } catch (err) {
    throw new UpstreamError(`${reg.id} could not list the choices for ${field}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500));
  }
  return scrub({ choices: choices.choices.slice(0, 200), ...(choices.note ? { note: choices.note } : {}) }, portal.config.secretValues);
}
