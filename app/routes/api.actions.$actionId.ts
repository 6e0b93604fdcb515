import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { describeAction, submitAction } from "~/core/actions/pipeline.server";
import { isRequest, submitRequest } from "~/core/actions/requests.server";
import { readJsonBody, respond } from "~/core/actions/runs.server";
import { getUser, requireUser } from "~/core/auth.server";
import { incidentForRun, joinableIncidents, recordRunOrigin } from "~/core/incidents/joining.server";
import { getPortal } from "~/core/portal.server";

/** GET: what the dialog needs to draw the form (JSON Schema of the input, risk, rules). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const reg = getPortal().registry.actions.get(params.actionId ?? "");
  if (!reg) throw json({ error: "no such action" }, { status: 404 });
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
  if (request.method !== "POST") return json({ error: "use POST" }, { status: 405, headers: { Allow: "GET, POST" } });
  const portal = getPortal();
  const user = await getUser(request);
  const body = await readJsonBody(request);
  // Without an explicit choice (`incidentId: null` clears it), a run joins the open incident
  // that links its runbook (`runbook`) or its plugin, wherever it was pressed.
  if (body.ok && user && body.value && typeof body.value === "object" && !Array.isArray(body.value) && portal.registry.actions.has(params.actionId ?? "")) {
    const value = body.value as Record<string, unknown>;
    value.incidentId = await incidentForRun(portal.store, value, params.actionId ?? "");
  }
  // "Ask an admin": `request: { reason }` from a user who may not run it → 202 { runId, status: "requested" }
  if (body.ok && isRequest(body.value)) return respond(await submitRequest(portal, user, params.actionId ?? "", body.value as Record<string, unknown>));
  const result = await submitAction(portal, user, params.actionId ?? "", body.ok ? body.value : undefined, body.ok ? {} : { bodyError: body });
  if (body.ok) await recordRunOrigin(portal.store, result.body, body.value);
  return respond(result);
}
