import path from "node:path";
import { prometheusDoctor } from "./doctor";
import { definePlugin, freePort, parseDuration, provide, type ProbeDefinition } from "../plugin-api";
import { promqlRef, type PromqlService } from "./api";
import { createPromClient, PrometheusError } from "./client";
import { PRESET_NAMES, PrometheusConfigSchema, type PrometheusConfig, type PromQuery } from "./config";
import { DEMO_ALERTMANAGER, demoRules } from "./demo-rules";
import { queriesWithPresets } from "./presets";
import { alertsProbe, queryProbe, unavailableProbe } from "./probes";
import { findPrometheus, INSTALL_HINT, startPrometheus, writeAlertmanagersFile } from "./server";
import { promQueryAction } from "./query-action";
import { rangeFor } from "./range";

export { rangeFor };

/** What the demo shop offers to be scraped (see demo/shop/metrics.ts). */
interface ShopMetrics {
  job: string;
  path: string;
  /** OpenMetrics text of the shop's past day, loaded before the private prometheus starts. */
  history?: string;
}

function unavailableConfig(reason: string) {
  return {
    url: "http://127.0.0.1:9",
    presets: [...PRESET_NAMES],
    alerts: false,
    unavailable: reason,
  };
}

export default definePlugin<PrometheusConfig>({
  id: "prometheus",
  title: "Prometheus",
  description: "PromQL values and ranges, the seeds' panels as presets, firing and pending alerts.",
  config: PrometheusConfigSchema,
  doctor: prometheusDoctor,
  provides: [promqlRef],
  async demo({ dataDir, log, world }) {
    const bins = findPrometheus();
    if (!bins) {
      return {
        config: unavailableConfig(
          `Prometheus is not installed on this machine. Install Debian's package (${INSTALL_HINT}) and restart: demo mode then runs a private one that scrapes the demo shop and this portal.`,
        ),
        stop: async () => {},
      };
    }
    const shop = world?.get<ShopMetrics>("shop.metrics");
    const targets = [];
    if (world && shop) targets.push({ job: shop.job, url: `${world.shopUrl}${shop.path}` });
    if (world) targets.push({ job: "opsdeck", url: `${world.portalUrl}/metrics` });
    // Loading the shop's day of history and starting take seconds: the portal does not wait for
    // them (the first reads say "connection refused" until Prometheus answers).
    const port = await freePort();
    const dir = path.join(world?.dataDir ?? dataDir, "prometheus");
    // The demo's Alertmanager starts after the plugins (the portal runs it): its address comes
    // through the world later, into a file Prometheus watches.
    const alertmanagersFile = path.join(dir, "alertmanagers.json");
    const started = startPrometheus({
      dir,
      targets,
      scrapeInterval: "15s",
      evaluationInterval: "5s",
      rules: demoRules(world?.portalUrl),
      history: shop?.history,
      log,
      bins,
      port,
      alertmanagersFile,
    });
    started.catch((err) => log.warn({ err: String(err) }, "demo: the private prometheus did not start"));
    if (world) {
      void Promise.all([started, world.waitFor<string>(DEMO_ALERTMANAGER, 10 * 60_000)])
        .then(([, address]) => {
          writeAlertmanagersFile(alertmanagersFile, [address]);
          log.info({ alertmanager: address }, "demo: the private prometheus sends its alerts to the demo alertmanager");
        })
        .catch(() => log.warn({}, "demo: no alertmanager announced; the private prometheus keeps its alerts to itself"));
    }
    world?.provide("prometheus.ready", started);
    return {
      config: {
        url: `http://127.0.0.1:${port}`,
        presets: [...PRESET_NAMES],
        queries: {
          "webhook-events": {
            title: "Webhook events per minute, by status",
            promql: "sum by (status) (rate(webhook_events_total[5m])) * 60",
            unit: "/min",
          },
        },
      },
      stop: async () => {
        const server = await started.catch(() => null);
        await server?.stop();
      },
    };
  },
  setup({ config, world }) {
    if (config.unavailable) return unavailableInstance(config.unavailable);
    const client = createPromClient({
      url: config.url,
      bearerToken: config.bearerToken,
      basicAuth: config.basicAuth,
      timeoutMs: parseDuration(config.timeout),
      ready: world?.get<Promise<unknown>>("prometheus.ready"),
    });
    const queries = queriesWithPresets(config.queries, config.presets);
    const adhoc = new Map<string, PromQuery>();
    const probes: ProbeDefinition[] = Object.entries(queries).map(([name, q]) => queryProbe(client, name, q));
    if (config.alerts) probes.push(alertsProbe(client));
    const service: PromqlService = {
      pluginId: "prometheus",
      adhocProbe(localId, promql, opts = {}) {
        const q: PromQuery = {
          promql,
          unit: opts.unit,
          title: opts.title,
          thresholds: {},
          every: "30s",
        };
        adhoc.set(localId, q);
        return queryProbe(client, localId, q);
      },
      queryOf(localId) {
        const q = queries[localId] ?? adhoc.get(localId);
        return q ? { promql: q.promql, unit: q.unit, title: q.title } : undefined;
      },
      range: (promql, opts) => rangeFor(client, promql, opts),
      async check(promql, signal) {
        try {
          await client.query(promql, { signal });
          return null;
        } catch (err) {
          if (err instanceof PrometheusError && (err.errorType === "bad_data" || err.errorType === "execution")) return err.message;
          throw err;
        }
      },
    };
    return { probes, actions: [promQueryAction(client)], provides: provide(promqlRef, service) };
  },
});

function unavailableInstance(reason: string) {
  const service: PromqlService = {
    pluginId: "prometheus",
    unavailable: reason,
    adhocProbe: (localId) => ({ ...unavailableProbe(reason), id: localId }),
    queryOf: () => undefined,
    range: async () => {
      throw new Error(reason);
    },
    check: async () => null,
  };
  return {
    probes: [unavailableProbe(reason)],
    provides: provide(promqlRef, service),
  };
}
