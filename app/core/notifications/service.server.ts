// Boot step: the sender (and the escalation clock) of this instance. Every instance runs one; the
// store's leases make each delivery and each escalation level go out once.
import { newId } from "../ids.server";
import type { BootStep } from "../portal.server";
import { startNotificationsDemo } from "./demo.server";
import { escalationTick } from "./escalation.server";
import { startSender } from "./sender.server";

export const notificationsBootStep: BootStep = async (portal) => {
  const stopDemo = await startNotificationsDemo(portal);
  const instance = newId("snd_");
  const sender = startSender({
    store: portal.store,
    config: portal.config,
    log: portal.log,
    instance,
    pollMs: 250,
    onRound: async (now) => {
      if (Object.keys(portal.config.oncall.escalation).length) await escalationTick(portal.store, portal.config.oncall, now, instance);
    },
  });
  return async () => {
    await sender.stop();
    await stopDemo?.();
  };
};
