import type { User } from "../auth.server";
import type { Store } from "../db/store.server";
import { getPortal } from "../portal.server";
import { getRunbook, listRunbooks } from "../runbooks/runbooks.server";
import { InputError, readBody } from "../http/index.server";
import { scrub } from "../secrets/index.server";
import {
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

/** Loads the incident (secrets scrubbed as shown); throws `NotFoundError` (404 at the edge) when there is none. */
export async function loadIncident(id: string | undefined): Promise<Incident> {
  const portal = getPortal();
  return scrubIncident(await requireIncident(portal.store, id ?? ""), portal.config.secretValues);
}

export type IncidentIntentHandler = (ctx: { user: User; incident: Incident; store: Store; body: Record<string, unknown> }) => Promise<void>;

/** What an incident page's form asked: its `intent` (at most 50 characters, "" when none) and the other fields it sent. */
export interface IncidentIntent {
  intent: string;
  body: Record<string, unknown>;
}

/**
 * Reads the form of an incident page (JSON or form, secrets scrubbed, through the one request
 * reader); a body that cannot be read is the family's 400 / 413 / 415.
 */
export async function readIncidentIntent(request: Request): Promise<IncidentIntent> {
  const { intent, ...body } = await readIncidentBody(request);
  return { intent: typeof intent === "string" ? intent.slice(0, 50) : "", body };
}

/**
 * Runs the handler that the form's `intent` names, as `user` on `incident` (signed in and loaded by
 * the route). An unknown intent is an `InputError` (400); the handlers throw the family's errors
 * (400 / 403 / 404). The page's route answers at the edge (`answerIntent`).
 */
export async function runIncidentIntent(asked: IncidentIntent, who: { user: User; incident: Incident }, handlers: Record<string, IncidentIntentHandler>): Promise<void> {
  const handler = Object.hasOwn(handlers, asked.intent) ? handlers[asked.intent] : undefined;
  if (!handler) throw new InputError({ intent: ["unknown intent"] }, "unknown intent");
  await handler({ user: who.user, incident: who.incident, store: incidentContext().store, body: asked.body });
}

/**
 * An incident request's body (JSON or form, through the one request reader) with every configured
 * secret scrubbed before anything is stored: a key pasted into a title or a note never reaches the
 * database.
 */
export async function readIncidentBody(request: Request): Promise<Record<string, unknown>> {
  return scrub(await readBody(request, { accept: "json-or-form" }), getPortal().config.secretValues);
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
