import type { Store } from "../db/store.server";
import { scrubText } from "../secrets/index.server";

export interface RunbookUse {
  incidentId: string;
  title: string;
  /** Epoch ms. */
  at: number;
}

/**
 * The latest incident that used each runbook: declared (or later edited) with it linked, a
 * checklist step of it ticked in the timeline, or an action pressed on its page that joined the
 * incident. Keyed by runbook path (without `.md`).
 */
export async function lastIncidentUse(store: Store, secrets: readonly string[] = []): Promise<Map<string, RunbookUse>> {
  const uses: { runbook: string; incidentId: string; at: number }[] = [];
  const links = await store.db
    .selectFrom("incident_links as l")
    .innerJoin("incidents as i", "i.id", "l.incident_id")
    .select(["l.ref", "i.id", "i.declared_at"])
    .where("l.kind", "=", "runbook")
    .execute();
  for (const l of links) uses.push({ runbook: l.ref, incidentId: l.id, at: Number(l.declared_at) });

  const ticks = await store.db
    .selectFrom("incident_events")
    .select(["incident_id", "at", "data"])
    .where("type", "=", "checklist")
    .where("data", "like", '%"runbook":"%')
    .execute();
  for (const t of ticks) {
    try {
      const runbook = (JSON.parse(t.data) as { runbook?: unknown }).runbook;
      if (typeof runbook === "string" && runbook) uses.push({ runbook, incidentId: t.incident_id, at: Number(t.at) });
    } catch {
      // An event whose data is not JSON names no runbook.
    }
  }

  const runs = await store.db
    .selectFrom("run_origins as o")
    .innerJoin("action_runs as r", "r.id", "o.run_id")
    .select(["o.runbook", "r.incident_id", "r.created_at"])
    .where("r.incident_id", "is not", null)
    .execute();
  for (const r of runs) if (r.incident_id) uses.push({ runbook: r.runbook, incidentId: r.incident_id, at: Number(r.created_at) });

  const latest = new Map<string, { incidentId: string; at: number }>();
  for (const u of uses) {
    const seen = latest.get(u.runbook);
    if (!seen || u.at > seen.at) latest.set(u.runbook, { incidentId: u.incidentId, at: u.at });
  }
  const ids = [...new Set([...latest.values()].map((u) => u.incidentId))];
  const titles = new Map<string, string>();
  if (ids.length) {
    for (const i of await store.db.selectFrom("incidents").select(["id", "title"]).where("id", "in", ids).execute()) titles.set(i.id, scrubText(i.title, secrets));
  }
  const out = new Map<string, RunbookUse>();
  for (const [runbook, u] of latest) out.set(runbook, { ...u, title: titles.get(u.incidentId) ?? u.incidentId });
  return out;
}
