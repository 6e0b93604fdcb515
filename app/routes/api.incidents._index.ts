import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { declareIncident, listIncidents } from "~/core/incidents/incidents.server";
import { incidentContext, incidentErrorResponse, readBody, withDetection } from "~/core/incidents/service.server";

/** GET /api/incidents?state=open|resolved|all&runbook=<path> */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const url = new URL(request.url);
  const state = url.searchParams.get("state");
  if (state && !["open", "resolved", "all"].includes(state)) return json({ error: "invalid input", fieldErrors: { state: ["must be open, resolved or all"] } }, { status: 400 });
  const { store, secrets } = incidentContext();
  const incidents = await listIncidents(store, {
    secrets,
    state: (state ?? "all") as "open" | "resolved" | "all",
    runbook: url.searchParams.get("runbook") ?? undefined,
    limit: Number(url.searchParams.get("limit")) || 200,
  });
  return json({ incidents });
}

/** POST /api/incidents `{ title, severity, runbook?, plugins?, commander?, detectedAt?, impactStartedAt?, note? }` → 201 `{ id }` */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return json({ error: "method not allowed" }, { status: 405 });
  const user = await requireUser(request);
  const ctx = incidentContext();
  try {
    const body = await readBody(request);
    const incident = await declareIncident(ctx.store, user, await withDetection(body, ctx), { lookupRunbook: ctx.lookupRunbook, knownPlugins: ctx.knownPlugins });
    return json({ id: incident.id, incident }, { status: 201, headers: { Location: `/incidents/${incident.id}` } });
  } catch (err) {
    return incidentErrorResponse(err);
  }
}
