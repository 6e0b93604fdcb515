// Boot step: the sender (and the escalation clock) of this instance. Every instance runs one; the
// store's leases make each delivery and each escalation level go out once.
import { newId } from "../ids.server";
import type { BootStep, Portal } from "../portal.server";
import { startNotificationsDemo } from "./demo.server";
import { escalationTick } from "./escalation.server";
import { remindCommanders } from "./reminders.server";
import { startSender } from "./sender.server";
import type { NotificationEvent } from "./outbox.server";

const PROBE_KINDS = new Set(["probe.critical", "cron.down", "backup.verification-failed"]);

/** A critical probe is held back when a silence covered it at that moment (an open incident is checked when it is written). */
export async function probeHeldBack(portal: Portal, event: NotificationEvent): Promise<string | null> {
  if (!PROBE_KINDS.has(event.kind)) return null;
  const { silenceRules, silencing } = await import("../alerts/silences.server");
  const silence = silencing(await silenceRules(portal, event.at), { alertname: event.subject, probe: event.subject, plugin: event.plugins[0] ?? "" }, event.at);
  return silence ? `silenced (${silence.id})` : null;
}

export const notificationsBootStep: BootStep = async (portal) => {
  const stopDemo = await startNotificationsDemo(portal);
  // Demo mode writes a history of past incidents at start: their events are not news to send.
  if (portal.demo.enabled) await portal.store.db.updateTable("notification_events").set({ routed_at: Date.now() }).where("routed_at", "is", null).where("at", "<", portal.startedAt.getTime() - 10 * 60_000).execute();
  const instance = newId("snd_");
  let lastReminders = 0;
  const sender = startSender({
    store: portal.store,
    config: portal.config,
    log: portal.log,
    instance,
    pollMs: 250,
    hold: (event) => probeHeldBack(portal, event),
    onRound: async (now) => {
      if (Object.keys(portal.config.oncall.escalation).length) await escalationTick(portal.store, portal.config.oncall, now, instance);
      if (now - lastReminders >= 30_000) {
        lastReminders = now;
        await remindCommanders(portal.store, portal.config.notifications, now, instance);
      }
    },
  });
  return async () => {
    await sender.stop();
    await stopDemo?.();
  };
};
