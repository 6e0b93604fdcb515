import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { describeAction, submitAction } from "~/core/actions/pipeline.server";
import { respond } from "~/core/actions/runs.server";
import { getUser, requestAddress, requireUser } from "~/core/auth.server";
import { errorResponse, MethodNotAllowedError, NotFoundError, tryReadBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

/** GET: what the dialog needs to draw the form (JSON Schema of the input, risk, rules). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const reg = getPortal().registry.actions.get(params.actionId ?? "");
  if (!reg) throw errorResponse(new NotFoundError("no such action"));
  return json(describeAction(reg), { headers: { "Cache-Control": "no-store" } });
}

/** POST `{ input, confirm, idempotencyKey, incidentId?, evidence?, breakGlassReason? }` → `{ runId, status }`. */
export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return errorResponse(new MethodNotAllowedError("GET, POST"));
  const portal = getPortal();
  const user = await getUser(request);
  // A refused body (too large, too deep, not JSON) is still audited by the pipeline as invalid.
  const body = await tryReadBody(request, { accept: "json" });
  return respond(await submitAction(portal, user, params.actionId ?? "", body.ok ? body.value : undefined, { address: requestAddress(request), ...(body.ok ? {} : { bodyError: body }) }));
}
