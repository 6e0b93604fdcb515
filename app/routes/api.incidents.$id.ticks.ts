import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { incidentContext, loadIncidentOr404 } from "~/core/incidents/service.server";
import { userTicks } from "~/core/incidents/ticks.server";

/** GET /api/incidents/:id/ticks?runbook=<path> → `{ ticks: [{ task, checked, text }] }`, the signed-in user's. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const incident = await loadIncidentOr404(params.id);
  const runbook = new URL(request.url).searchParams.get("runbook") ?? "";
  if (!runbook || runbook.length > 300) return json({ error: "invalid input", fieldErrors: { runbook: ["name the runbook path"] } }, { status: 400 });
  return json({ ticks: await userTicks(incidentContext().store, incident.id, runbook, user.username) }, { headers: { "Cache-Control": "no-store" } });
}
