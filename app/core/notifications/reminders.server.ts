// Status-update reminders (seed 003: "Update every 15 minutes"): an open incident whose last
// status update or note is older than its severity's cadence reminds its commander, once per
// cadence. Each reminder is claimed as a scheduler tick (incident, due time), so one instance
// sends it however many run.
import type { Store } from "../db/store.server";
import { claimTick } from "../scheduler/scheduler.server";
import type { NotificationsConfig } from "./config";
import { recordNotification } from "./outbox.server";

const UPDATES = ["declared", "status", "note", "severity", "commander"];

export async function remindCommanders(store: Store, notifications: NotificationsConfig, now: number, instance: string): Promise<number> {
  const severities = Object.keys(notifications.reminders);
  if (!severities.length) return 0;
  const open = await store.db
    .selectFrom("incidents")
    .select(["id", "title", "severity", "commander", "declared_at"])
    .where("status", "not in", ["resolved", "closed"])
    .where("commander", "is not", null)
    .where("severity", "in", severities)
    .execute();
  let sent = 0;
  for (const inc of open) {
    const cadence = notifications.reminders[inc.severity]! * 60_000;
    const last = await store.db.selectFrom("incident_events").select(({ fn }) => fn.max("at").as("at")).where("incident_id", "=", inc.id).where("type", "in", UPDATES).where("hidden", "=", 0).executeTakeFirst();
    const since = Number(last?.at ?? inc.declared_at);
    if (now - since < cadence) continue;
    const due = since + Math.floor((now - since) / cadence) * cadence;
    if (!(await claimTick(store, `notifications.reminder.${inc.id}`, due, instance))) continue;
    await recordNotification(store.db, {
      kind: "incident.reminder",
      subject: inc.id,
      severity: inc.severity,
      at: now,
      payload: {
        title: `Time for a status update: ${inc.title}`,
        summary: `No status update for ${Math.round((now - since) / 60_000)} minutes; ${inc.severity} incidents post one every ${notifications.reminders[inc.severity]} minutes.`,
        commander: inc.commander!,
        recipients: [inc.commander!],
        link: `/incidents/${inc.id}`,
      },
    });
    sent++;
  }
  return sent;
}
