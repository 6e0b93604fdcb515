import type { Db } from "../audit/chain.server";
import type { Store } from "../db/store.server";
import { OPEN_STATUSES } from "~/lib/incidents";

export interface JoinableIncident {
  id: string;
  title: string;
  severity: string;
  status: string;
  /**
   * Why it is offered: it links the runbook the action was pressed on, the action's plugin, or the
   * target (it already holds a run on that target, or links the plugin a `plugin:…` target names);
   * `open` is any other open incident, offered to choose but never joined by default.
   */
  via: "runbook" | "plugin" | "target" | "open";
}

export interface RunPlace {
  actionId: string;
  runbook?: string | null;
  /** The run's target (from its input), when known. */
  target?: string | null;
}

const VIA_RANK: Record<JoinableIncident["via"], number> = { runbook: 0, plugin: 1, target: 2, open: 3 };

/**
 * Open incidents an action run belongs to: those linking the runbook it was pressed on first, then
 * those linking its plugin, then those already working on its target; newest activity first. The
 * first one is where a run lands by default.
 */
export async function joinableIncidents(store: Store, where: RunPlace): Promise<JoinableIncident[]> {
  return (await recordableIncidents(store, where)).filter((i) => i.via !== "open");
}

/** Every open incident a run may be recorded on: the joinable ones first (as `joinableIncidents`), then the other open ones. */
export async function recordableIncidents(store: Store, where: RunPlace): Promise<JoinableIncident[]> {
  const plugin = where.actionId.split(".")[0];
  // Incidents link runbooks as paths without ".md" (payments/stripe-webhooks).
  const runbook = where.runbook ? where.runbook.replace(/^\/?runbooks\//, "").replace(/\.md$/, "") : null;
  const targetPlugin = where.target && /^[a-z0-9-]+:/.test(where.target) ? where.target.slice(0, where.target.indexOf(":")) : null;
  const open = await store.db
    .selectFrom("incidents")
    .select(["id", "title", "severity", "status", "updated_at"])
    .where("status", "in", [...OPEN_STATUSES])
    .orderBy("updated_at", "desc")
    .limit(200)
    .execute();
  if (!open.length) return [];
  const ids = open.map((i) => i.id);
  const links = await store.db.selectFrom("incident_links").select(["incident_id", "kind", "ref"]).where("incident_id", "in", ids).execute();
  const onTarget = where.target
    ? new Set((await store.db.selectFrom("action_runs").select("incident_id").where("target", "=", where.target).where("incident_id", "in", ids).execute()).map((r) => r.incident_id))
    : new Set<string | null>();
  const viaOf = (id: string): JoinableIncident["via"] => {
    const mine = links.filter((l) => l.incident_id === id);
    if (runbook && mine.some((l) => l.kind === "runbook" && l.ref === runbook)) return "runbook";
    if (mine.some((l) => l.kind === "plugin" && l.ref === plugin)) return "plugin";
    if (onTarget.has(id) || (targetPlugin && mine.some((l) => l.kind === "plugin" && l.ref === targetPlugin))) return "target";
    return "open";
  };
  return open
    .map((r) => ({ id: r.id, title: r.title, severity: r.severity, status: r.status, via: viaOf(r.id), updatedAt: Number(r.updated_at) }))
    .sort((a, b) => VIA_RANK[a.via] - VIA_RANK[b.via] || b.updatedAt - a.updatedAt)
    .map(({ updatedAt: _u, ...i }) => i);
}

/**
 * The incident a run joins. An explicit choice wins (`null` means the operator cleared it);
 * without one, the first open incident linking the runbook, the plugin or the target.
 */
export async function incidentForRun(store: Store, body: { incidentId?: unknown; runbook?: unknown }, actionId: string, target?: string | null): Promise<string | null | undefined> {
  if (body.incidentId !== undefined) return body.incidentId as string | null;
  const runbook = typeof body.runbook === "string" ? body.runbook : null;
  const [first] = await joinableIncidents(store, { actionId, runbook, target });
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
