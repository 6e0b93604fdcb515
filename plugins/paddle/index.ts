import { definePlugin, type ActionDefinition, type ProbeDefinition } from "../plugin-api";
import { paddleDoctor } from "./doctor";
import { sqlRef } from "../supabase/api";
import { checkSignature } from "./actions/check-signature";
import { replayNotification } from "./actions/replay-notification";
import { createPaddle } from "./client.server";
import { PaddleConfigSchema, type PaddleConfig } from "./config";
import { startDemoPaddle } from "./demo";
import { appTableProbes } from "./probes/app-tables";
import { appenvRef } from "../appenv/api";
import { configSafety, configSafetyThroughAppenv } from "./probes/config-safety";
import { destinationSettings, pastDueSubscriptions } from "./probes/destinations";
import { notificationsByStatus } from "./probes/notifications";

const windowMs = (w: string) => Number(w.slice(0, -1)) * (w.endsWith("d") ? 86_400_000 : 3_600_000);

/** The app's own webhook tables are read through the supabase plugin's sql service, when configured. */
const deps = { sql: sqlRef.optional(), appenv: appenvRef.optional() };

export default definePlugin<PaddleConfig, typeof deps>({
  id: "paddle",
  title: "Paddle",
  description: "Paddle Billing webhook delivery (failed and retrying notifications, destinations, replay, signature diagnosis), past-due subscriptions, and what the app did with the webhooks.",
  config: PaddleConfigSchema,
  doctor: paddleDoctor,
  deps,
  demo: ({ log, world }) => startDemoPaddle({ log, world }),
  setup({ config, deps: { sql, appenv } }) {
    const paddle = createPaddle(config);
    const scope = { settingIds: config.notificationSettingIds, windowMs: windowMs(config.window) };
    const probes: ProbeDefinition[] = [
      notificationsByStatus(paddle, scope, "failed"),
      notificationsByStatus(paddle, scope, "needs_retry"),
      destinationSettings(paddle, config.notificationSettingIds),
      pastDueSubscriptions(paddle),
    ];
    if (config.appTables) probes.push(...appTableProbes(sql, config.appTables));
    // The deployed app's variables through appenv when it is configured; the dotenv file on this host only without it.
    if (appenv) probes.push(configSafetyThroughAppenv(appenv));
    else if (config.appEnv) probes.push(configSafety(config.appEnv));
    const actions: ActionDefinition[] = [replayNotification(paddle)];
    if (config.webhookSecret) actions.push(checkSignature(paddle, config.webhookSecret));
    return { probes, actions };
  },
});
