import type { Kysely } from "kysely";
import { OPEN_STATUSES } from "~/lib/incidents";
import type { Database } from "../db/schema";
import type { Store } from "../db/store.server";
import { newId } from "../ids.server";
import type { Portal } from "../portal.server";
import type { EvidenceReading } from "./evidence.server";

export type AlertTimelineEvent = "fired" | "joined" | "acknowledged" | "resolved" | "silenced";

export interface AlertEventData {
  event: AlertTimelineEvent;
  alertId: string;
  name: string;
  at: number;
  severity?: string | null;
  summary?: string;
  by?: string;
  comment?: string;
  silenceId?: string;
  runbook?: string | null;
  evidence?: EvidenceReading[];
}

let counter = 0;
/** Sortable like the incident feature's own event ids, so entries of one millisecond keep their order. */
function eventId(at: number): string {
  counter = (counter + 1) % 36 ** 4;
  return `ev_${Math.max(0, at).toString(36).padStart(9, "0")}${counter.toString(36).padStart(4, "0")}${newId().slice(0, 6)}`;
}

/** An alert's fired / acknowledged / resolved / silenced line on an incident's timeline. */
export async function addIncidentAlertEvent(store: Store | { db: Kysely<Database> }, incidentId: string, data: AlertEventData): Promise<void> {
  const text = data.event === "silenced" ? (data.comment ?? "") : (data.summary ?? "");
  await store.db
    .insertInto("incident_events")
    .values({ id: eventId(data.at), incident_id: incidentId, type: "alert", at: data.at, corrected_at: null, actor: data.by ?? "alerts", text: text.slice(0, 2000), data: JSON.stringify(data), pinned: 0, hidden: 0 })
    .execute();
}

/** Firing alerts that belong to open incidents (for silences that start muting them). */
export async function alertsOfOpenIncidents(portal: Portal): Promise<{ id: string; name: string; incidentId: string; labels: Record<string, string> }[]> {
  const rows = await portal.store.db
    .selectFrom("alerts")
    .innerJoin("incidents", "incidents.id", "alerts.incident_id")
    .select(["alerts.id", "alerts.name", "alerts.incident_id", "alerts.labels"])
    .where("alerts.status", "=", "firing")
    .where("incidents.status", "in", [...OPEN_STATUSES])
    .limit(1000)
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, incidentId: r.incident_id!, labels: JSON.parse(r.labels) }));
}
