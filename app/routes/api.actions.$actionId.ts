import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { describeAction, submitAction } from "~/core/actions/pipeline.server";
import { readJsonBody, respond } from "~/core/actions/runs.server";
import { getUser, requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

/** GET: what the dialog needs to draw the form (JSON Schema of the input, risk, rules). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const reg = getPortal().registry.actions.get(params.actionId ?? "");
  if (!reg) throw json({ error: "no such action" }, { status: 404 });
  return json(describeAction(reg), { headers: { "Cache-Control": "no-store" } });
}

/** POST `{ input, confirm, idempotencyKey, incidentId?, evidence?, breakGlassReason? }` → `{ runId, status }`. */
export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return json({ error: "use POST" }, { status: 405, headers: { Allow: "GET, POST" } });
  const portal = getPortal();
  const user = await getUser(request);
  const body = await readJsonBody(request);
  return respond(await submitAction(portal, user, params.actionId ?? "", body.ok ? body.value : undefined, body.ok ? {} : { bodyError: body }));
}
