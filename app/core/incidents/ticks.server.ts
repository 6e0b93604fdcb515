import type { Store } from "../db/store.server";

/** A checklist task's state on an incident: the latest tick or untick, by whom and when. */
export interface TickState {
  task: number;
  checked: boolean;
  text: string;
  by: string;
  at: number;
}

/**
 * The checklist ticks of one runbook on one incident, shared by everyone on it: the latest
 * checklist entry per task on the incident's timeline, whoever made it (the timeline is the
 * record; nothing is stored twice). `latestAt` is the newest entry's time (0 when none).
 */
export async function incidentTicks(store: Store, incidentId: string, runbook: string): Promise<{ ticks: TickState[]; latestAt: number }> {
  const rows = await store.db
    .selectFrom("incident_events")
    .select(["text", "data", "at", "actor"])
    .where("incident_id", "=", incidentId)
    .where("type", "=", "checklist")
    .orderBy("at", "asc")
    .orderBy("id", "asc")
    .execute();
  const byTask = new Map<number, TickState>();
  let latestAt = 0;
  for (const r of rows) {
    let data: { checked?: unknown; task?: unknown; runbook?: unknown };
    try {
      data = JSON.parse(r.data);
    } catch {
      continue;
    }
    if (data.runbook !== runbook || typeof data.task !== "number") continue;
    const at = Number(r.at);
    latestAt = Math.max(latestAt, at);
    byTask.set(data.task, { task: data.task, checked: data.checked !== false, text: r.text, by: r.actor, at });
  }
  return { ticks: [...byTask.values()].sort((a, b) => a.task - b.task), latestAt };
}
