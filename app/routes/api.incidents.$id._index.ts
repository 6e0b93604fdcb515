import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { listPreventionItems } from "~/core/incidents/incidents.server";
import { incidentDeploys, withDeploys } from "~/core/incidents/deploys.server";
import { incidentContext, loadIncident } from "~/core/incidents/service.server";
import { orErrorResponse } from "~/core/http/index.server";
import { assembleTimeline, nextUpdateDue } from "~/core/incidents/timeline.server";

/** GET /api/incidents/:id → the incident with its assembled `timeline` (hidden entries flagged, not dropped). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const incident = await orErrorResponse(loadIncident(params.id));
  const { store, secrets, probeTitles, actionTitles } = incidentContext();
  const [timeline, nextUpdate, prevention, deploys] = await Promise.all([
    assembleTimeline(store, incident, { includeHidden: true, secrets, probeTitles, actionTitles }),
    nextUpdateDue(store, incident),
    listPreventionItems(store, incident.id, secrets),
    incidentDeploys(incident, { secrets }),
  ]);
  return json({ ...incident, nextUpdate, prevention, deployMarker: deploys.marker, timeline: withDeploys(timeline, deploys) });
}
