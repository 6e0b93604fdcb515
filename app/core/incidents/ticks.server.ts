import type { Store } from "../db/store.server";

export interface TickState {
  task: number;
  checked: boolean;
  text: string;
}

/**
 * One user's checklist ticks on one runbook for one incident: the latest checklist entry per task
 * on the incident's timeline (the timeline is the record; nothing is stored twice).
 */
export async function userTicks(store: Store, incidentId: string, runbook: string, username: string): Promise<TickState[]> {
  const rows = await store.db
    .selectFrom("incident_events")
    .select(["text", "data", "at"])
    .where("incident_id", "=", incidentId)
    .where("type", "=", "checklist")
    .where("actor", "=", username)
    .orderBy("at", "asc")
    .orderBy("id", "asc")
    .execute();
  const byTask = new Map<number, TickState>();
  for (const r of rows) {
    let data: { checked?: unknown; task?: unknown; runbook?: unknown };
    try {
      data = JSON.parse(r.data);
    } catch {
      continue;
    }
    if (data.runbook !== runbook || typeof data.task !== "number") continue;
    byTask.set(data.task, { task: data.task, checked: data.checked !== false, text: r.text });
  }
  return [...byTask.values()].sort((a, b) => a.task - b.task);
}
