import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { incidentContext, loadIncident } from "~/core/incidents/service.server";
import { orErrorResponse } from "~/core/http/index.server";
import { incidentTicks } from "~/core/incidents/ticks.server";

/**
 * GET /api/incidents/:id/ticks?runbook=<path> → `{ ticks: [{ task, checked, text, by, at }], latestAt }`:
 * the runbook's checklist as everyone on the incident has ticked it (the page polls this).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const incident = await orErrorResponse(loadIncident(params.id));
  const runbook = new URL(request.url).searchParams.get("runbook") ?? "";
  if (!runbook || runbook.length > 300) return json({ error: "invalid input", fieldErrors: { runbook: ["name the runbook path"] } }, { status: 400 });
  return json(await incidentTicks(incidentContext().store, incident.id, runbook), { headers: { "Cache-Control": "no-store" } });
}
