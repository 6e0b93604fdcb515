import type { Kysely } from "kysely";
import { SEVERITIES, type Severity } from "~/lib/incidents";
import type { Store } from "../db/store.server";

const DAY = 86_400_000;
const WEEK = 7 * DAY;

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** How far `timeZone`'s wall clock is ahead of UTC at `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  if (timeZone === "UTC") return 0;
  let f = wallClocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    if (wallClocks.size > 50) wallClocks.clear();
    wallClocks.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - Math.floor(ms / 1000) * 1000;
}

/** Monday 00:00 on `timeZone`'s wall clock of the week holding `ms`, as a wall time (local time written as if it were UTC). */
function wallWeekStart(ms: number, timeZone: string): number {
  const day = Math.floor((ms + offsetAt(ms, timeZone)) / DAY) * DAY;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY; // Monday = 0
}

/** The instant a wall time of `timeZone` names (the offset in force then). */
function instantOf(wall: number, timeZone: string): number {
  return wall - offsetAt(wall - offsetAt(wall, timeZone), timeZone);
}

/** Monday 00:00 of the week holding `ms`, in `timeZone` (the reader's; UTC by default). */
export function weekStart(ms: number, timeZone = "UTC"): number {
  return instantOf(wallWeekStart(ms, timeZone), timeZone);
}

export interface DashboardFigures {
  range: { from: number; to: number; weeks: number; timeZone: string };
  /** One row per week (from Monday 00:00 in the reader's zone, `week` its date there), oldest first, every week present. */
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

export async function dashboardFigures(store: Store, options: { now?: number; weeks?: number; timeZone?: string } = {}): Promise<DashboardFigures> {
  const now = options.now ?? Date.now();
  const weeks = Math.max(1, Math.min(options.weeks ?? 12, 104));
  const timeZone = options.timeZone ?? "UTC";
  // Weeks are counted on the zone's wall clock, so a daylight-saving change moves no incident into another week.
  const firstWall = wallWeekStart(now, timeZone) - (weeks - 1) * WEEK;
  const from = instantOf(firstWall, timeZone);
  const weekOf = (ms: number) => Math.round((wallWeekStart(ms, timeZone) - firstWall) / WEEK);

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
    perWeek.push({ week: new Date(firstWall + w * WEEK).toISOString().slice(0, 10), total: 0, P1: 0, P2: 0, P3: 0, P4: 0 });
  }
  for (const i of incidents) {
    const row = perWeek[weekOf(Number(i.declared_at))];
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
    const start = instantOf(firstWall + idx * WEEK, timeZone);
    const inWeek = incidents.filter((i) => weekOf(Number(i.declared_at)) === idx);
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
    range: { from, to: now, weeks, timeZone },
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
