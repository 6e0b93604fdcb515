import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { describeAction } from "~/core/actions/pipeline.server";
import { pressAction } from "~/core/actions/press.server";
import { getUser, requestAddress, requireUser } from "~/core/auth.server";
import { answerRun, errorResponse, handle, MethodNotAllowedError, NotFoundError, tryReadBody } from "~/core/http/index.server";
import { recordableIncidents } from "~/core/incidents/joining.server";
import { optionFields } from "~/core/actions/input-options.server";
import { getPortal } from "~/core/portal.server";

/** GET: what the dialog needs to draw the form (JSON Schema of the input, risk, rules), and the open incidents (those a run would join first) and the fields that offer a list of choices. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const reg = getPortal().registry.actions.get(params.actionId ?? "");
  if (!reg) throw errorResponse(new NotFoundError("no such action"));
  // Every open incident, those this run would join first (the runbook it is pressed on, then its plugin); `via: "open"` for the rest.
  const runbook = new URL(request.url).searchParams.get("runbook");
  const incidents = await recordableIncidents(getPortal().store, { actionId: reg.id, runbook });
  return json({ ...describeAction(reg), incidents, optionFields: optionFields(getPortal(), reg.id) }, { headers: { "Cache-Control": "no-store" } });
}

/**
 * POST `{ input, confirm, idempotencyKey, incidentId?, runbook?, evidence?, breakGlassReason? }` → `{ runId, status }`;
 * with `request: { reason }` (a user who may not run it) → 202 `{ runId, status: "requested" }`.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return errorResponse(new MethodNotAllowedError("GET, POST"));
  // A refused body (too large, too deep, not JSON) is still audited by the pipeline as invalid.
  const body = await tryReadBody(request, { accept: "json" });
  return handle(async () => answerRun(await pressAction(getPortal(), { user: await getUser(request), actionId: params.actionId ?? "", body, address: requestAddress(request) })));
}
