import type { Db } from "../audit/chain.server";
import type { Store } from "../db/store.server";
import { OPEN_STATUSES } from "~/lib/incidents";

export interface JoinableIncident {
  id: string;
  title: string;
  severity: string;
  status: string;
  /** Why it is offered: it links the runbook the action was pressed on, or the action's plugin. */
  via: "runbook" | "plugin";
}

/**
 * Open incidents an action run belongs to: those linking the runbook it was pressed on first, then
 * those linking its plugin; newest activity first. The first one is where a run lands by default.
 */
export async function joinableIncidents(store: Store, where: { actionId: string; runbook?: string | null }): Promise<JoinableIncident[]> {
  const plugin = where.actionId.split(".")[0];
  const refs = [{ kind: "plugin", ref: plugin }, ...(where.runbook ? [{ kind: "runbook", ref: where.runbook }] : [])];
  const rows = await store.db
    .selectFrom("incidents")
    .innerJoin("incident_links", "incident_links.incident_id", "incidents.id")
    .select(["incidents.id", "incidents.title", "incidents.severity", "incidents.status", "incidents.updated_at", "incident_links.kind"])
    .where("incidents.status", "in", [...OPEN_STATUSES])
    .where((eb) => eb.or(refs.map((r) => eb.and([eb("incident_links.kind", "=", r.kind), eb("incident_links.ref", "=", r.ref)]))))
    .execute();
  const byId = new Map<string, JoinableIncident & { updatedAt: number }>();
  for (const r of rows) {
    const via = r.kind === "runbook" ? "runbook" : "plugin";
    const seen = byId.get(r.id);
    if (seen && (seen.via === "runbook" || via === "plugin")) continue;
    byId.set(r.id, { id: r.id, title: r.title, severity: r.severity, status: r.status, via, updatedAt: Number(r.updated_at) });
  }
  return [...byId.values()]
    .sort((a, b) => (a.via === b.via ? b.updatedAt - a.updatedAt : a.via === "runbook" ? -1 : 1))
    .map(({ updatedAt: _u, ...i }) => i);
}

/**
 * The incident a run joins. An explicit choice wins (`null` means the operator cleared it);
 * without one, the first open incident linking the runbook or the plugin.
 */
export async function incidentForRun(store: Store, body: { incidentId?: unknown; runbook?: unknown }, actionId: string): Promise<string | null | undefined> {
  if (body.incidentId !== undefined) return body.incidentId as string | null;
  const runbook = typeof body.runbook === "string" ? body.runbook : null;
  const [first] = await joinableIncidents(store, { actionId, runbook });
  return first?.id ?? null;
}

const RUNBOOK_PATH = /^[A-Za-z0-9][A-Za-z0-9 _./-]{0,299}$/;

/** The runbook page a press names (`runbook` in its body), when it is a plain path; else null. */
export function runOriginOf(body: unknown): string | null {
  const runbook = body && typeof body === "object" ? (body as { runbook?: unknown }).runbook : undefined;
  return typeof runbook === "string" && RUNBOOK_PATH.test(runbook) && !runbook.includes("..") ? runbook : null;
}

/** Remembers the runbook page a new run was started from (the run page links back to it); called inside the run's own transaction. */
export async function recordRunOrigin(db: Db, runId: string, runbook: string): Promise<void> {
  await db
    .insertInto("run_origins")
    .values({ run_id: runId, runbook, created_at: Date.now() })
    .onConflict((oc) => oc.column("run_id").doNothing())
    .execute();
}

/** The runbook a run came from and the title of its incident, for the run page. */
export async function runContext(store: Store, run: { runId: string; incidentId: string | null }): Promise<{ runbook: string | null; incidentTitle: string | null }> {
  const origin = await store.db.selectFrom("run_origins").select("runbook").where("run_id", "=", run.runId).executeTakeFirst();
  const incident = run.incidentId ? await store.db.selectFrom("incidents").select("title").where("id", "=", run.incidentId).executeTakeFirst() : undefined;
  return { runbook: origin?.runbook ?? null, incidentTitle: incident?.title ?? null };
}
