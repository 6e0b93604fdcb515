import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { declareIncident, listIncidents } from "~/core/incidents/incidents.server";
import { handle, InputError, queryParam } from "~/core/http/index.server";
import { incidentContext, readIncidentBody, withDetection } from "~/core/incidents/service.server";

/** GET /api/incidents?state=open|resolved|all&runbook=<path> */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const url = new URL(request.url);
  return handle(async () => {
    const state = queryParam(url, "state");
    if (state && !["open", "resolved", "all"].includes(state)) throw new InputError({ state: ["must be open, resolved or all"] });
    const limit = queryParam(url, "limit");
    if (limit !== undefined && !/^\d{1,4}$/.test(limit)) throw new InputError({ limit: ["must be a whole number up to 1000"] });
    const { store, secrets } = incidentContext();
    const incidents = await listIncidents(store, {
      secrets,
      state: (state ?? "all") as "open" | "resolved" | "all",
      runbook: queryParam(url, "runbook", 300),
      limit: Number(limit) || 200,
    });
    return json({ incidents });
  });
}

/** POST /api/incidents `{ title, severity, runbook?, plugins?, commander?, detectedAt?, impactStartedAt?, note? }` → 201 `{ id }` */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return json({ error: "method not allowed" }, { status: 405 });
  const user = await requireUser(request);
  const ctx = incidentContext();
  return handle(async () => {
    const body = await readIncidentBody(request);
    const incident = await declareIncident(ctx.store, user, await withDetection(body, ctx), { lookupRunbook: ctx.lookupRunbook, knownPlugins: ctx.knownPlugins });
    return json({ id: incident.id, incident }, { status: 201, headers: { Location: `/incidents/${incident.id}` } });
  });
}
