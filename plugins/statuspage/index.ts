import { definePlugin, parseDuration, provide } from "../plugin-api";
import { statuspageDoctor } from "./doctor";
import { providerStatusRef, type ComponentState, type ProviderStatusService } from "./api";
import { resolveProviders, StatuspageConfigSchema, type StatuspageConfig } from "./config";
import { ProviderPoller } from "./poller";
import { allProvidersProbe, providerProbe } from "./probes";
import { startDemoStatusPages } from "./sandbox";

export default definePlugin<StatuspageConfig>({
  id: "statuspage",
  title: "Provider status pages",
  description: "Providers' public status pages (Atlassian Statuspage, Google Cloud's incidents feed, RSS/Atom): watched components, open incidents, on widgets, the alerts inbox and incident timelines.",
  config: StatuspageConfigSchema,
  doctor: statuspageDoctor,
  provides: [providerStatusRef],
  async demo({ world }) {
    const demo = await startDemoStatusPages(world);
    return { config: demo.config, stop: demo.stop };
  },
  setup({ config }) {
    const listeners = new Set<(provider: string) => void>();
    const timeoutMs = parseDuration(config.timeout);
    const pollers = resolveProviders(config).map(
      (p) =>
        new ProviderPoller(p, {
          everyMs: parseDuration(config.every),
          timeoutMs,
          maxBytes: config.maxBytes,
          feedWindowMs: parseDuration(config.feedWindow),
          onChecked: (name) => {
            for (const l of listeners) l(name);
          },
        }),
    );
    // The engine's read timeout leaves room for the provider's own (and one follow-up request).
    const probeTimeout = `${Math.ceil((timeoutMs * 2 + 2000) / 1000)}s`;
    const service: ProviderStatusService = {
      providers: () => pollers.map((p) => p.state),
      alertOn: () => config.alertOn as ComponentState[],
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    return {
      probes: [...pollers.map((p) => providerProbe(p, config.every, probeTimeout)), allProvidersProbe(pollers, config.every, probeTimeout)],
      actions: [],
      provides: provide(providerStatusRef, service),
    };
  },
});
