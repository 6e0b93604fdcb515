import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { isRequest, submitRequest } from "~/core/actions/ask-admin.server";
import { describeAction, submitAction } from "~/core/actions/pipeline.server";
import { respond } from "~/core/actions/runs.server";
import { getUser, requestAddress, requireUser } from "~/core/auth.server";
import { errorResponse, MethodNotAllowedError, NotFoundError, tryReadBody } from "~/core/http/index.server";
import { incidentForRun, joinableIncidents, recordRunOrigin } from "~/core/incidents/joining.server";
import { getPortal } from "~/core/portal.server";

/** GET: what the dialog needs to draw the form (JSON Schema of the input, risk, rules), and the open incidents a run would join. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const reg = getPortal().registry.actions.get(params.actionId ?? "");
  if (!reg) throw errorResponse(new NotFoundError("no such action"));
  // Open incidents this run would join (the runbook it is pressed on first, then its plugin).
  const runbook = new URL(request.url).searchParams.get("runbook");
  const incidents = await joinableIncidents(getPortal().store, { actionId: reg.id, runbook });
  return json({ ...describeAction(reg), incidents }, { headers: { "Cache-Control": "no-store" } });
}

/**
 * POST `{ input, confirm, idempotencyKey, incidentId?, runbook?, evidence?, breakGlassReason? }` → `{ runId, status }`;
 * with `request: { reason }` (a user who may not run it) → 202 `{ runId, status: "requested" }`.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return errorResponse(new MethodNotAllowedError("GET, POST"));
  const portal = getPortal();
  const user = await getUser(request);
  // A refused body (too large, too deep, not JSON) is still audited by the pipeline as invalid.
  const body = await tryReadBody(request, { accept: "json" });
  // Without an explicit choice (`incidentId: null` clears it), a run joins the open incident
  // that links its runbook (`runbook`) or its plugin, wherever it was pressed.
  if (body.ok && user && body.value && typeof body.value === "object" && !Array.isArray(body.value) && portal.registry.actions.has(params.actionId ?? "")) {
    const value = body.value as Record<string, unknown>;
    value.incidentId = await incidentForRun(portal.store, value, params.actionId ?? "");
  }
  // "Ask an admin": `request: { reason }` from a user who may not run it → 202 { runId, status: "requested" }
  if (body.ok && isRequest(body.value)) return respond(await submitRequest(portal, user, params.actionId ?? "", body.value as Record<string, unknown>));
  const result = await submitAction(portal, user, params.actionId ?? "", body.ok ? body.value : undefined, { address: requestAddress(request), ...(body.ok ? {} : { bodyError: body }) });
  if (body.ok) await recordRunOrigin(portal.store, result.body, body.value);
  return respond(result);
}
