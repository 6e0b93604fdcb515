import { OPEN_STATUSES } from "~/lib/incidents";
import { hasRole } from "~/lib/roles";
import { audit, Conflict } from "../audit/audit.server";
import { ConflictError, ForbiddenError, NotFoundError } from "../http/errors.server";
import { newId } from "../ids.server";
import type { Portal } from "../portal.server";
import { listRunbooks } from "../runbooks/runbooks.server";
import { silenceRules, silencing, type SilenceRule } from "./silences.server";
import { listAlertRows, scrubView, toView, type AlertRow, type AlertView, type ListAlertsOptions } from "./store.server";
import { addIncidentAlertEvent } from "./timeline-events.server";
import { declareIncident } from "../incidents/incidents.server";
import { attachToIncident } from "./rules.server";

function silenceOf(rules: readonly SilenceRule[], row: AlertRow, now: number): AlertView["silence"] {
  const s = silencing(rules, { alertname: row.name, ...(JSON.parse(row.labels) as Record<string, string>) }, now);
  return s ? { id: s.id, createdBy: s.createdBy, comment: s.comment, endsAt: s.endsAt == null ? null : new Date(s.endsAt).toISOString() } : null;
}

/** `GET /api/alerts`: newest first, each with its runbook, incident, acknowledgement and the silence muting it. */
export async function listAlerts(portal: Portal, options: ListAlertsOptions = {}, now = Date.now()): Promise<AlertView[]> {
  const rows = await listAlertRows(portal, options);
  const rules = await silenceRules(portal, now);
  const titles = new Map(listRunbooks({ dir: portal.runbooksDir }).map((r) => [r.path, r.title]));
  return rows.map((r) => scrubView(portal, toView(r, r.status === "firing" ? silenceOf(rules, r, now) : null, titles)));
}

export async function getAlert(portal: Portal, id: string, now = Date.now()): Promise<AlertView> {
  const row = await portal.store.db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw new NotFoundError("There is no such alert.");
  const rules = await silenceRules(portal, now);
  return scrubView(portal, toView(row, row.status === "firing" ? silenceOf(rules, row, now) : null));
}

/** What happened to one alert, oldest first. */
export async function alertHistory(portal: Portal, id: string): Promise<{ at: string; kind: string; actor: string }[]> {
  const rows = await portal.store.db.selectFrom("alert_events").select(["at", "kind", "actor"]).where("alert_id", "=", id).orderBy("at").orderBy("id").limit(500).execute();
  return rows.map((r) => ({ at: new Date(Number(r.at)).toISOString(), kind: r.kind, actor: r.actor }));
}

/**
 * A responder takes the alert: the first acknowledgement is kept (who, when), audited, written on
 * the incident's timeline, and — when the incident had nobody yet — it is the incident's
 * acknowledgement too (MTTA ends) and the responder becomes its commander.
 */
export async function acknowledgeAlert(portal: Portal, user: { username: string; roles: readonly string[] }, id: string, now = Date.now()): Promise<AlertView> {
  if (!hasRole(user.roles, "responder")) throw new ForbiddenError("acknowledging alerts needs the responder role");
  const row = await portal.store.db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw new NotFoundError("There is no such alert.");
  if (row.acknowledged_at != null) throw new ConflictError(`already acknowledged by ${row.acknowledged_by} at ${new Date(Number(row.acknowledged_at)).toISOString()}`);
  try {
    await acknowledgeWithAudit(portal, user, row, now);
  } catch (err) {
    // The entry rolled back with the update: someone else's acknowledgement won the race.
    if (err instanceof Conflict) throw new ConflictError("someone acknowledged it a moment ago");
    throw err;
  }
  return getAlert(portal, id, now);
}

async function acknowledgeWithAudit(portal: Portal, user: { username: string; roles: readonly string[] }, row: AlertRow, now: number): Promise<void> {
  const id = row.id;
  await audit(portal, { actor: user.username, roles: user.roles, action: "alert.acknowledged", target: id, outcome: "succeeded", details: { name: row.name, receiver: row.receiver, fingerprint: row.fingerprint }, incidentId: row.incident_id }, async (db) => {
    const res = await db.updateTable("alerts").set({ acknowledged_by: user.username, acknowledged_at: now }).where("id", "=", id).where("acknowledged_at", "is", null).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new Conflict("already acknowledged");
    await db.insertInto("alert_events").values({ id: newId("ae_"), alert_id: id, at: now, kind: "acknowledged", actor: user.username, data: "{}" }).execute();
    if (row.incident_id) {
      await db.updateTable("incidents").set({ acknowledged_at: now, updated_at: now }).where("id", "=", row.incident_id).where("acknowledged_at", "is", null).execute();
      await db.updateTable("incidents").set({ commander: user.username }).where("id", "=", row.incident_id).where("commander", "is", null).where("status", "in", [...OPEN_STATUSES]).execute();
      await addIncidentAlertEvent({ db }, row.incident_id, { event: "acknowledged", alertId: id, name: row.name, at: now, by: user.username, severity: row.severity });
    }
  });
}

/**
 * "Declare incident from this alert": the responder's own incident (they take command, so it is
 * acknowledged now), detected when the alert started, linked to its runbook and plugins, with the
 * alert and its evidence on the timeline.
 */
export async function declareFromAlert(portal: Portal, user: { username: string; roles: readonly string[] }, id: string, input: { title?: unknown; severity?: unknown }, now = Date.now()): Promise<string> {
  const row = await portal.store.db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw new NotFoundError("There is no such alert.");
  if (row.incident_id) throw new ConflictError(`this alert is already on incident ${row.incident_id}`);
  const incident = await declareIncident(
    portal.store,
    user,
    { title: input.title, severity: input.severity, runbooks: row.runbook ? [row.runbook] : [], plugins: JSON.parse(row.plugins), detectedAt: Number(row.starts_at), note: `Declared from alert ${row.name}.` },
    { now },
  );
  await attachToIncident(portal, incident.id, row, now, "fired");
  return incident.id;
}
