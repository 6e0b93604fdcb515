import { OPEN_STATUSES } from "~/lib/incidents";
import { declareIncident } from "../incidents/incidents.server";
import type { Portal } from "../portal.server";
import type { AlertRule } from "./config";
import type { EvidenceReading } from "./evidence.server";
import { runbooksOfService } from "./linking.server";
import { matchesAll } from "./matchers";
import type { AlertChange, AlertRow } from "./store.server";
import { addIncidentAlertEvent } from "./timeline-events.server";

/** Who writes what rules do, on timelines and in the incident's "declared by". */
export const ALERTS_ACTOR = { username: "alerts", roles: ["responder"] as const };

function labelsOf(a: AlertRow): Record<string, string> {
  return { alertname: a.name, ...(JSON.parse(a.labels) as Record<string, string>) };
}

export function ruleFor(rules: readonly AlertRule[], labels: Record<string, string>): AlertRule | null {
  return rules.find((r) => matchesAll(r.matchers, labels)) ?? null;
}

/** The open incident this alert belongs with: linked to its runbook, or to its service (by runbook or by another alert). */
async function openIncidentFor(portal: Portal, alert: AlertRow, labels: Record<string, string>, sameName: boolean): Promise<string | null> {
  const db = portal.store.db;
  if (sameName) {
    const row = await db
      .selectFrom("alerts")
      .innerJoin("incidents", "incidents.id", "alerts.incident_id")
      .select("incidents.id")
      .where("alerts.name", "=", alert.name)
      .where("alerts.receiver", "=", alert.receiver)
      .where("alerts.status", "=", "firing")
      .where("incidents.status", "in", [...OPEN_STATUSES])
      .orderBy("incidents.declared_at", "desc")
      .executeTakeFirst();
    if (row) return row.id;
  }
  const runbooks = new Set<string>(alert.runbook ? [alert.runbook] : []);
  if (labels.service) for (const p of runbooksOfService(portal.runbooksDir, labels.service)) runbooks.add(p);
  if (runbooks.size) {
    const row = await db
      .selectFrom("incidents")
      .innerJoin("incident_links", "incident_links.incident_id", "incidents.id")
      .select("incidents.id")
      .where("incident_links.kind", "=", "runbook")
      .where("incident_links.ref", "in", [...runbooks])
      .where("incidents.status", "in", [...OPEN_STATUSES])
      .orderBy("incidents.declared_at", "desc")
      .executeTakeFirst();
    if (row) return row.id;
  }
  if (labels.service) {
    const rows = await db
      .selectFrom("alerts")
      .innerJoin("incidents", "incidents.id", "alerts.incident_id")
      .select(["incidents.id", "alerts.labels"])
      .where("incidents.status", "in", [...OPEN_STATUSES])
      .orderBy("incidents.declared_at", "desc")
      .limit(500)
      .execute();
    const hit = rows.find((r) => (JSON.parse(r.labels) as Record<string, string>).service === labels.service);
    if (hit) return hit.id;
  }
  return null;
}

function incidentTitle(a: AlertRow): string {
  const title = a.summary && a.summary !== a.name ? `${a.name}: ${a.summary}` : `Alert ${a.name}`;
  return (title.length < 3 ? `Alert ${title}` : title).slice(0, 300);
}

/** Puts the alert on the incident: linked, its runbook linked, detection moved back to it, a line on the timeline with its evidence. */
export async function attachToIncident(portal: Portal, incidentId: string, a: AlertRow, now: number, event: "fired" | "joined"): Promise<void> {
  const db = portal.store.db;
  await db.updateTable("alerts").set({ incident_id: incidentId }).where("id", "=", a.id).execute();
  // MTTA runs from the first alert: an alert older than the incident's detection moves detection back.
  await db.updateTable("incidents").set({ detected_at: Number(a.starts_at), updated_at: now }).where("id", "=", incidentId).where("detected_at", ">", Number(a.starts_at)).execute();
  if (a.runbook) {
    const linked = await db.selectFrom("incident_links").select("ref").where("incident_id", "=", incidentId).where("kind", "=", "runbook").where("ref", "=", a.runbook).executeTakeFirst();
    if (!linked) await db.insertInto("incident_links").values({ incident_id: incidentId, kind: "runbook", ref: a.runbook }).execute();
  }
  await addIncidentAlertEvent(portal.store, incidentId, {
    event,
    alertId: a.id,
    name: a.name,
    at: Math.max(now, Number(a.starts_at)),
    severity: a.severity,
    summary: a.summary,
    runbook: a.runbook,
    evidence: a.evidence ? (JSON.parse(a.evidence) as EvidenceReading[]) : undefined,
  });
}

/**
 * Rules (`alerts.rules`, first match wins) for alerts that just fired: `declare` opens an incident
 * (severity from the `severity` label) unless one is already open for the same alert; `join` adds
 * the alert to the open incident of its runbook or service. Returns the incidents touched.
 */
export async function applyRules(portal: Portal, fired: readonly AlertChange[], now: number): Promise<string[]> {
  const rules = portal.config.alerts.rules;
  if (!rules.length || !fired.length) return [];
  const touched: string[] = [];
  for (const { alert } of fired) {
    if (alert.incident_id) continue;
    const labels = labelsOf(alert);
    const rule = ruleFor(rules, labels);
    if (!rule) continue;
    const existing = await openIncidentFor(portal, alert, labels, !!rule.declare);
    if (existing && (rule.join || rule.declare)) {
      await attachToIncident(portal, existing, alert, now, "joined");
      touched.push(existing);
      continue;
    }
    if (!rule.declare) continue;
    const severity = rule.declare.severity[labels.severity ?? ""] ?? rule.declare.default;
    const plugins = JSON.parse(alert.plugins) as string[];
    const incident = await declareIncident(
      portal.store,
      ALERTS_ACTOR,
      { title: incidentTitle(alert), severity, runbooks: alert.runbook ? [alert.runbook] : [], plugins, detectedAt: Number(alert.starts_at), note: `Declared by a rule of alerts.rules for alert ${alert.name}.` },
      { now, unacknowledged: true },
    );
    await attachToIncident(portal, incident.id, alert, now, "fired");
    touched.push(incident.id);
  }
  return [...new Set(touched)];
}

/** A resolved alert of an incident says so on its timeline. */
export async function recordResolutions(portal: Portal, resolved: readonly AlertChange[], now: number): Promise<void> {
  for (const { alert } of resolved) {
    if (!alert.incident_id) continue;
    await addIncidentAlertEvent(portal.store, alert.incident_id, { event: "resolved", alertId: alert.id, name: alert.name, at: now, severity: alert.severity, summary: alert.summary });
  }
}
