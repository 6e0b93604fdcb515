import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { addEvent, markEntry } from "~/core/incidents/incidents.server";
import { handle, orErrorResponse } from "~/core/http/index.server";
import { incidentContext, loadIncident, readIncidentBody } from "~/core/incidents/service.server";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  return json({ error: "use POST" }, { status: 405 });
}

/**
 * POST /api/incidents/:id/events
 * `{ type: "note", text }` · `{ type: "status", status, text? }` · `{ type: "checklist", text, checked?, task?, runbook? }`
 * · `{ type: "severity", severity }` · `{ type: "commander", commander }` · `{ type: "mark", entry, pinned?, hidden?, correctedAt? }`
 */
export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return json({ error: "method not allowed" }, { status: 405 });
  const user = await requireUser(request);
  const incident = await orErrorResponse(loadIncident(params.id));
  const { store } = incidentContext();
  return handle(async () => {
    const body = await readIncidentBody(request);
    if (body.type === "mark") {
      const { type: _t, ...rest } = body;
      await markEntry(store, user, incident.id, rest);
      return json({ ok: true });
    }
    const { id, incident: updated } = await addEvent(store, user, incident.id, body);
    return json({ id, entry: `ev:${id}`, status: updated.status, severity: updated.severity }, { status: 201 });
  });
}
