import { definePlugin, provide } from "../plugin-api";
import { sentryEventsRef } from "./api";
import { sentryDoctor } from "./doctor";
import { deploysRef } from "../deploys/api";
import { createSentryClient } from "./client";
import { SentryConfigSchema, type SentryConfig } from "./config";
import { sentryProbes } from "./probes";
import { SHOP_ISSUES, shopEvents, shopTraffic, spanStatusOf, startSentrySandbox } from "./sandbox";
import { DEMO_SENTRY_RECEIVER, startSentryAlerts, type SentryAlerter, type SentryReceiverTarget } from "./sandbox-webhooks";

/** The demo deploys sandbox's handle (plugins/deploys: `deploys.current`), read through the world, not imported. */
interface DeploysDemoHandle {
  history(site: string): { faulty: boolean; from: number; to: number }[];
}

/** How much of the shop's past traffic the demo's Sentry holds: the SLOs' 3d burn window. */
const TRAFFIC_HISTORY_MS = 3 * 86_400_000;

/** New issues since the current production deploy, when the deploys plugin is configured. */
const deps = { deploys: deploysRef.optional() };

export default definePlugin<SentryConfig, typeof deps>({
  id: "sentry",
  title: "Sentry",
  description: "Error events per minute, overall and per route; new issues since the current production deploy; top unresolved issues.",
  config: SentryConfigSchema,
  doctor: sentryDoctor,
  deps,
  provides: [sentryEventsRef],
  async demo({ world, log }) {
    // Errors follow whatever serves the shop's production: the faulty release throws on the webhook route.
    const faultyAt = (t: number) => !!world?.get<DeploysDemoHandle>("deploys.current")?.history("shop").some((p) => p.faulty && t >= p.from && t < p.to);
    const events = shopEvents(faultyAt);
    // Transactions: three days of the shop's traffic before the start, then its API routes go on simulated,
    // while every request the demo shop's own server answers (Stripe's webhook deliveries, cron calls…) is
    // recorded as the transaction an SDK in the shop would send.
    const started = Date.now();
    const traffic = { from: started - TRAFFIC_HISTORY_MS, minute: shopTraffic(faultyAt, { servedFrom: started }) };
    const sandbox = await startSentrySandbox({ issues: SHOP_ISSUES, events, traffic });
    world?.onServed((r) => sandbox.record({ at: r.at, transaction: r.route, durationMs: r.durationMs, status: spanStatusOf(r.status) }));
    // The portal announces its Sentry receiver once its alerts start (after the plugins): from then on
    // the sandbox's project sends its issue and metric alerts there, signed.
    let alerter: SentryAlerter | null = null;
    let stopped = false;
    world
      ?.waitFor<SentryReceiverTarget>(DEMO_SENTRY_RECEIVER, 10 * 60_000)
      .then((target) => {
        if (!stopped) alerter = startSentryAlerts({ target, issues: SHOP_ISSUES, events, org: sandbox.org, project: sandbox.project, sandboxUrl: sandbox.url, log });
      })
      .catch(() => log.info({}, "sentry demo: no receiver announced; the sandbox sends no alerts"));
    return {
      config: { org: sandbox.org, project: sandbox.project, token: sandbox.token, url: sandbox.url, deploySite: "shop" },
      stop: async () => {
        stopped = true;
        alerter?.stop();
        await sandbox.stop();
      },
    };
  },
  setup({ config, deps: { deploys } }) {
    const client = createSentryClient({ url: config.url, org: config.org, project: config.project, token: config.token, environment: config.environment });
    return {
      probes: sentryProbes(config, client, deploys),
      actions: [],
      provides: provide(sentryEventsRef, { pluginId: "sentry", transactionCounts: client.transactionCounts }),
    };
  },
});
