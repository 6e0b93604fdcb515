import { definePlugin, provide } from "../plugin-api";
import { sentryEventsRef } from "./api";
import { sentryDoctor } from "./doctor";
import { deploysRef } from "../deploys/api";
import { createSentryClient } from "./client";
import { SentryConfigSchema, type SentryConfig } from "./config";
import { sentryProbes } from "./probes";
import { SHOP_ISSUES, shopEvents, startSentrySandbox } from "./sandbox";

/** The demo deploys sandbox's handle (plugins/deploys: `deploys.current`), read through the world, not imported. */
interface DeploysDemoHandle {
  history(site: string): { faulty: boolean; from: number; to: number }[];
}

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
  async demo({ world }) {
    // Errors follow whatever serves the shop's production: the faulty release throws on the webhook route.
    const faultyAt = (t: number) => !!world?.get<DeploysDemoHandle>("deploys.current")?.history("shop").some((p) => p.faulty && t >= p.from && t < p.to);
    const sandbox = await startSentrySandbox({ issues: SHOP_ISSUES, events: shopEvents(faultyAt) });
    return {
      config: { org: sandbox.org, project: sandbox.project, token: sandbox.token, url: sandbox.url, deploySite: "shop" },
      stop: sandbox.stop,
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
