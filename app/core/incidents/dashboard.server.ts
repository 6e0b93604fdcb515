import type { Kysely } from "kysely";
import { SEVERITIES, type Severity } from "~/lib/incidents";
import type { Store } from "../db/store.server";

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Monday 00:00 UTC of the week holding `ms`. */
export function weekStart(ms: number): number {
  const d = new Date(ms);
  d.setUTCHours(0, 0, 0, 0);
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
  return d.getTime() - dow * DAY;
}

export interface DashboardFigures {
  range: { from: number; to: number; weeks: number };
  /** One row per week (Monday, UTC), oldest first, every week present. */
  perWeek: ({ week: string; total: number } & Record<Severity, number>)[];
  /** Mean minutes from detection to acknowledgement (commander took it), per severity. */
  mtta: { severity: Severity; incidents: number; minutes: number | null }[];
  /** Mean minutes from detection to resolution, per severity (resolved incidents only). */
  mttr: { severity: Severity; incidents: number; minutes: number | null }[];
  /** MTTA and MTTR of the incidents declared in each week (all severities), oldest first: the trend. */
  meanTimesPerWeek: { week: string; start: number; mtta: number | null; mttr: number | null; acknowledged: number; resolved: number }[];
  /** Action runs started on each incident in the range (from the audit log), most first. */
  actionsPerIncident: { id: string; title: string; severity: string; actions: number }[];
  averageActionsPerIncident: number | null;
  /** Runbooks linked by the most incidents in the range. */
  topRunbooks: { runbook: string; incidents: number }[];
  /** Prevention items not done whose due date has passed (any incident). */
  overduePrevention: { id: string; incidentId: string; incidentTitle: string; description: string; owner: string; dueAt: number; daysOverdue: number }[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export async function dashboardFigures(store: Store, options: { now?: number; weeks?: number } = {}): Promise<DashboardFigures> {
  const now = options.now ?? Date.now();
  const weeks = Math.max(1, Math.min(options.weeks ?? 12, 104));
  const from = weekStart(now) - (weeks - 1) * WEEK;

  const incidents = await store.db
    .selectFrom("incidents")
    .select(["id", "title", "severity", "declared_at", "detected_at", "acknowledged_at", "resolved_at"])
    .where("declared_at", ">=", from)
    .where("declared_at", "<=", now)
    .orderBy("declared_at")
    .execute();
  const ids = incidents.map((i) => i.id);

  const perWeek: DashboardFigures["perWeek"] = [];
  for (let w = 0; w < weeks; w++) {
    const start = from + w * WEEK;
    perWeek.push({ week: new Date(start).toISOString().slice(0, 10), total: 0, P1: 0, P2: 0, P3: 0, P4: 0 });
  }
  for (const i of incidents) {
    const idx = Math.floor((weekStart(Number(i.declared_at)) - from) / WEEK);
    const row = perWeek[idx];
    if (!row) continue;
    row.total++;
    if ((SEVERITIES as readonly string[]).includes(i.severity)) row[i.severity as Severity]++;
  }

  const mean = (values: number[]) => (values.length ? round1(values.reduce((a, b) => a + b, 0) / values.length / 60_000) : null);
  const mtta = SEVERITIES.map((severity) => {
    const v = incidents.filter((i) => i.severity === severity && i.acknowledged_at != null).map((i) => Number(i.acknowledged_at) - Number(i.detected_at));
    return { severity, incidents: v.length, minutes: mean(v) };
  });
  const mttr = SEVERITIES.map((severity) => {
    const v = incidents.filter((i) => i.severity === severity && i.resolved_at != null).map((i) => Number(i.resolved_at) - Number(i.detected_at));
    return { severity, incidents: v.length, minutes: mean(v) };
  });

  const meanTimesPerWeek = perWeek.map((w, idx) => {
    const start = from + idx * WEEK;
    const inWeek = incidents.filter((i) => Math.floor((weekStart(Number(i.declared_at)) - from) / WEEK) === idx);
    const acked = inWeek.filter((i) => i.acknowledged_at != null).map((i) => Number(i.acknowledged_at) - Number(i.detected_at));
    const resolved = inWeek.filter((i) => i.resolved_at != null).map((i) => Number(i.resolved_at) - Number(i.detected_at));
    return { week: w.week, start, mtta: mean(acked), mttr: mean(resolved), acknowledged: acked.length, resolved: resolved.length };
  });

  const actionCounts = new Map<string, number>();
  if (ids.length) {
    try {
      const rows = await (store.db as unknown as Kysely<any>)
        .selectFrom("audit_entries")
        .select(["incident_id", "run_id"])
        .where("incident_id", "in", ids)
        .where("outcome", "=", "started")
        .execute();
      const seen = new Set<string>();
      for (const r of rows as { incident_id: string; run_id: string | null }[]) {
        if (r.run_id != null) {
          const key = `${r.incident_id}\u0000${r.run_id}`;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        actionCounts.set(r.incident_id, (actionCounts.get(r.incident_id) ?? 0) + 1);
      }
    } catch (err) {
      if (!/no such table|does not exist/i.test(err instanceof Error ? err.message : String(err))) throw err;
    }
  }
  const actionsPerIncident = incidents
    .map((i) => ({ id: i.id, title: i.title, severity: i.severity, actions: actionCounts.get(i.id) ?? 0 }))
    .sort((a, b) => b.actions - a.actions || a.title.localeCompare(b.title));
  const averageActionsPerIncident = incidents.length ? round1(actionsPerIncident.reduce((a, b) => a + b.actions, 0) / incidents.length) : null;

  const runbookRows = ids.length
    ? await store.db.selectFrom("incident_links").select(["ref", "incident_id"]).where("kind", "=", "runbook").where("incident_id", "in", ids).execute()
    : [];
  const byRunbook = new Map<string, number>();
  for (const r of runbookRows) byRunbook.set(r.ref, (byRunbook.get(r.ref) ?? 0) + 1);
  const topRunbooks = [...byRunbook.entries()]
    .map(([runbook, n]) => ({ runbook, incidents: n }))
    .sort((a, b) => b.incidents - a.incidents || a.runbook.localeCompare(b.runbook))
    .slice(0, 10);

  const overdue = await store.db
    .selectFrom("incident_prevention_items")
    .innerJoin("incidents", "incidents.id", "incident_prevention_items.incident_id")
    .select([
      "incident_prevention_items.id",
      "incident_prevention_items.incident_id",
      "incidents.title",
      "incident_prevention_items.description",
      "incident_prevention_items.owner",
      "incident_prevention_items.due_at",
    ])
    .where("incident_prevention_items.done_at", "is", null)
    .where("incident_prevention_items.due_at", "<", now)
    .orderBy("incident_prevention_items.due_at")
    .execute();

  return {
    range: { from, to: now, weeks },
    perWeek,
    mtta,
    mttr,
    meanTimesPerWeek,
    actionsPerIncident,
    averageActionsPerIncident,
    topRunbooks,
    overduePrevention: overdue.map((r) => ({
      id: r.id,
      incidentId: r.incident_id,
      incidentTitle: r.title,
      description: r.description,
      owner: r.owner,
      dueAt: Number(r.due_at),
      daysOverdue: Math.floor((now - Number(r.due_at)) / DAY),
    })),
  };
}
