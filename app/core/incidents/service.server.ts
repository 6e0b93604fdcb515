import { json } from "@remix-run/node";
import { requireUser, type User } from "../auth.server";
import type { Store } from "../db/store.server";
import { getPortal } from "../portal.server";
import { getRunbook, listRunbooks } from "../runbooks/runbooks.server";
import {
  IncidentForbiddenError,
  IncidentInputError,
  IncidentNotFoundError,
  requireIncident,
  scrubIncident,
  type Incident,
  type RunbookLookup,
} from "./incidents.server";
import { troubleStartedAt } from "./timeline.server";

/** Finds a runbook and the enabled plugins its front matter names. */
export const lookupRunbook: RunbookLookup = async (runbookPath) => {
  const runbook = getRunbook(runbookPath);
  if (!runbook) return null;
  const known = new Set(getPortal().registry.plugins.map((p) => p.id));
  return { path: runbook.path, plugins: runbook.plugins.filter((p) => known.has(p)) };
};

/** What incident services need from the running portal. */
export function incidentContext() {
  const portal = getPortal();
  return {
    store: portal.store,
    secrets: portal.config.secretValues,
    knownPlugins: portal.registry.plugins.map((p) => p.id),
    pluginTitles: Object.fromEntries(portal.registry.plugins.map((p) => [p.id, p.title])),
    probeTitles: Object.fromEntries([...portal.registry.probes.values()].map((p) => [p.id, `${p.def.title} (${p.id})`])),
    actionTitles: Object.fromEntries([...portal.registry.actions.values()].map((a) => [a.id, a.def.title])),
    lookupRunbook,
  };
}

/** Loads the incident or throws a 404 Response. */
export async function loadIncidentOr404(id: string | undefined): Promise<Incident> {
  try {
    const portal = getPortal();
    return scrubIncident(await requireIncident(portal.store, id ?? ""), portal.config.secretValues);
  } catch (err) {
    if (err instanceof IncidentNotFoundError) throw json({ error: "There is no such incident." }, { status: 404 });
    throw err;
  }
}

/** Maps the incident service's errors to 400 / 403 / 404 JSON answers; anything else is rethrown. */
export function incidentErrorResponse(err: unknown): Response {
  if (err instanceof IncidentInputError) return json({ error: "invalid input", fieldErrors: err.fieldErrors }, { status: 400 });
  if (err instanceof IncidentForbiddenError) return json({ error: `forbidden: ${err.message}` }, { status: 403 });
  if (err instanceof IncidentNotFoundError) return json({ error: "There is no such incident." }, { status: 404 });
  throw err;
}

export type IncidentIntentHandler = (ctx: { user: User; incident: Incident; store: Store; body: Record<string, unknown> }) => Promise<void>;

/**
 * The action of the incident pages: signs in, loads the incident (404), reads the body, runs the
 * handler named by its `intent`, and answers `{ intent, ok }` or `{ intent, error, fieldErrors }`
 * with 400 / 403 / 404.
 */
export async function handleIncidentIntent(request: Request, id: string | undefined, handlers: Record<string, IncidentIntentHandler>): Promise<Response> {
  const user = await requireUser(request);
  const incident = await loadIncidentOr404(id);
  const { store } = incidentContext();
  let intent = "";
  try {
    const { intent: i, ...body } = await readBody(request);
    intent = String(i ?? "");
    const handler = Object.hasOwn(handlers, intent) ? handlers[intent] : undefined;
    if (!handler) return json({ intent, error: "unknown intent", fieldErrors: { form: ["unknown intent"] } }, { status: 400 });
    await handler({ user, incident, store, body });
    return json({ intent, ok: true as const });
  } catch (err) {
    const res = incidentErrorResponse(err);
    return json({ intent, ...(await res.json()) }, { status: res.status });
  }
}

/** The request body as a plain object: JSON, or form fields (repeated fields become lists). */
export async function readBody(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("application/json")) {
    try {
      const body = await request.json();
      if (!body || typeof body !== "object" || Array.isArray(body)) throw new IncidentInputError({ form: ["the body must be a JSON object"] });
      return body as Record<string, unknown>;
    } catch (err) {
      if (err instanceof IncidentInputError) throw err;
      throw new IncidentInputError({ form: ["the body is not valid JSON"] });
    }
  }
  const form = await request.formData();
  const out: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    const values = form.getAll(key).filter((v): v is string => typeof v === "string");
    out[key] = values.length > 1 ? values : values[0];
  }
  return out;
}

/**
 * Declared from a runbook without a detection time: the trouble started when the linked
 * plugins' probes last left "ok", if they are still warn or critical.
 */
export async function withDetection(body: Record<string, unknown>, ctx: ReturnType<typeof incidentContext>): Promise<Record<string, unknown>> {
  if (body.detectedAt || typeof body.runbook !== "string" || !body.runbook) return body;
  const found = await ctx.lookupRunbook(body.runbook.replace(/^\/?runbooks\//, "").replace(/\.md$/, "")).catch(() => null);
  const plugins = [...(found?.plugins ?? []), ...(Array.isArray(body.plugins) ? body.plugins.map(String) : [])];
  const since = await troubleStartedAt(ctx.store, plugins);
  return since == null ? body : { ...body, detectedAt: since };
}

/** Runbook paths (without `.md`), for pickers. */
export async function listRunbookPaths(): Promise<string[]> {
  return listRunbooks().map((r) => r.path);
}
