import path from "node:path";
import { Cron } from "croner";
import type {
  ActionDefinition,
  DemoWorld,
  Logger,
  PluginDatabase,
  PluginDefinition,
  ProbeDefinition,
  ScheduledJob,
  Risk,
  ServiceDep,
  ServiceRef,
} from "../../../plugins/plugin-api";
import { serviceSet } from "../../../plugins/plugin-api";
import { ConfigError } from "../config.server";
import type { PastIncident } from "../../../demo/index";
import { liveScrubber, secretValuesOf } from "../secrets/index.server";
import { loadFingerprintKey, valueFingerprints } from "../secrets/fingerprints.server";

export interface RegisteredProbe {
  /** `<plugin>.<name>` */
  id: string;
  pluginId: string;
  def: ProbeDefinition;
}

export interface RegisteredAction {
  /** `<plugin>.<name>` */
  id: string;
  pluginId: string;
  /** Declared risk; an undeclared one counts as critical. */
  risk: Risk;
  def: ActionDefinition;
}

export interface RegisteredSchedule {
  /** `<plugin>.<name>`: the job whose ticks are claimed in the store. */
  id: string;
  pluginId: string;
  job: ScheduledJob;
}

export interface EnabledPlugin {
  id: string;
  title: string;
  description?: string;
  demo: boolean;
}

/** The services plugins provided, by typed ref; each provider named by its plugin. */
export interface ServiceDirectory {
  /** The service from `pluginId`, or from its first provider (setup order) without one. */
  get<T>(ref: ServiceRef<T, boolean>, pluginId?: string): T | undefined;
  all<T>(ref: ServiceRef<T, boolean>): { pluginId: string; service: T }[];
}

export interface PluginRegistry {
  plugins: EnabledPlugin[];
  probes: Map<string, RegisteredProbe>;
  actions: Map<string, RegisteredAction>;
  services: ServiceDirectory;
  /** Secret values found in the configs that demo sandboxes generated (scrubbed like configured ones). */
  demoSecrets: string[];
  /** Demo mode: the shop's past incidents, handed over by the demo world for the core to write once. */
  demoHistory?: PastIncident[];
  /** Demo mode: the world, for the core's own demo pieces to announce themselves to the sandboxes (the demo Alertmanager). */
  world?: DemoWorld;
  /** Jobs plugins scheduled during setup; the scheduler boot step runs them. */
  schedules: RegisteredSchedule[];
  /** Validated config of each set-up plugin, demo sandboxes' included (for the doctor; never shown). */
  configs: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface SetupPluginsOptions {
  installed: readonly PluginDefinition[];
  /** Validated config per enabled plugin (by id). */
  configs: Record<string, unknown>;
  demo: boolean;
  dataDir: string;
  log: Logger & { child?(b: object): Logger };
  /** The portal's store; absent in unit tests that set plugins up without one. */
  database?: PluginDatabase;
  /** Where the portal answers, for demo sandboxes that call it back (default http://127.0.0.1:3000). */
  portalUrl?: string;
  /** The portal's secrets (a list that may still grow), for the scrubber plugins receive. */
  secrets?: readonly string[];
}

/** Providers before users, so each plugin's `deps` are resolved when its setup runs. */
function setupOrder(plugins: PluginDefinition[]): PluginDefinition[] {
  const byId = new Map(plugins.map((p) => [p.id, p]));
  const done = new Set<string>();
  const out: PluginDefinition[] = [];
  const visit = (p: PluginDefinition, stack: string[]) => {
    if (done.has(p.id) || stack.includes(p.id)) return;
    for (const dep of depsOf(p)) {
      for (const provider of providersOf(plugins, dep)) if (provider.id !== p.id) visit(byId.get(provider.id)!, [...stack, p.id]);
    }
    done.add(p.id);
    out.push(p);
  };
  for (const p of plugins) visit(p, []);
  return out;
}

function depsOf(plugin: PluginDefinition): ServiceDep[] {
  return Object.values((plugin.deps ?? {}) as Record<string, ServiceDep>);
}

function providersOf(plugins: readonly PluginDefinition[], dep: ServiceDep): PluginDefinition[] {
  return plugins.filter((p) => (p.provides ?? []).some((r) => r.id === dep.id));
}

/** One line for a required service nobody provides: the plugin, the service, the config sections that would. */
function missingService(plugin: PluginDefinition, dep: ServiceDep, installed: readonly PluginDefinition[], configured: readonly PluginDefinition[]): string {
  const configuredProviders = providersOf(configured, dep).filter((p) => p.id !== plugin.id);
  const why = configuredProviders.length
    ? `${configuredProviders.map((p) => `plugins.${p.id}`).join(" and ")} ${configuredProviders.length === 1 ? "is" : "are"} configured but provide${configuredProviders.length === 1 ? "s" : ""} none with this config`
    : providersOf(installed, dep).length
      ? `configure ${providersOf(installed, dep).map((p) => `plugins.${p.id}`).join(" or ")}`
      : "no installed plugin provides it";
  return `plugins.${plugin.id} needs the "${dep.id}" service: ${why}`;
}

export async function setupPlugins(opts: SetupPluginsOptions): Promise<PluginRegistry> {
  const services = new Map<string, { pluginId: string; service: unknown }[]>();
  const registry: ServiceDirectory = {
    get: <T>(ref: ServiceRef<T, boolean>, pluginId?: string) => serviceSet(registry.all(ref)).get(pluginId),
    all: <T>(ref: ServiceRef<T, boolean>) => [...((services.get(ref.id) ?? []) as { pluginId: string; service: T }[])],
  };
  const stops: (() => Promise<void>)[] = [];
  const enabled: EnabledPlugin[] = [];
  const probes = new Map<string, RegisteredProbe>();
  const actions = new Map<string, RegisteredAction>();
  const schedules: RegisteredSchedule[] = [];

  const configs: Record<string, unknown> = { ...opts.configs };
  const demoPlugins = new Set<string>();
  const demoSecrets: string[] = [];
  const problems: string[] = [];

  let world: DemoWorld | undefined;
  let demoHistory: PastIncident[] | undefined;
  if (opts.demo) {
    const { startDemoWorld } = await import("../../../demo/index");
    const started = await startDemoWorld({ dataDir: path.join(opts.dataDir, "demo", "world"), log: childLog(opts.log, "demo-world"), portalUrl: opts.portalUrl ?? "http://127.0.0.1:3000" });
    world = started.world;
    demoHistory = started.history;
    stops.push(started.stop);
    for (const plugin of opts.installed) {
      if (plugin.id in configs || !plugin.demo) continue;
      const demo = await plugin.demo({ dataDir: path.join(opts.dataDir, "demo", plugin.id), log: childLog(opts.log, plugin.id), world });
      stops.push(demo.stop);
      const parsed = plugin.config.safeParse(demo.config);
      if (!parsed.success) {
        problems.push(`plugins.${plugin.id} (demo): ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
        continue;
      }
      configs[plugin.id] = parsed.data;
      demoPlugins.add(plugin.id);
      // A sandbox's generated keys and tokens are secrets like any configured ones.
      demoSecrets.push(...secretValuesOf(plugin.config, parsed.data));
    }
  }
  if (problems.length) {
    await Promise.allSettled(stops.map((s) => s()));
    throw new ConfigError(problems);
  }
  const scrubber = liveScrubber([opts.secrets ?? [], demoSecrets]);

  const configured = opts.installed.filter((p) => p.id in configs);
  const unprovided = configured.flatMap((p) => depsOf(p).filter((d) => d.required && !providersOf(configured, d).some((q) => q.id !== p.id)).map((d) => missingService(p, d, opts.installed, configured)));
  if (unprovided.length) {
    await Promise.allSettled(stops.map((s) => s()));
    throw new ConfigError(unprovided);
  }
  const toSetup = setupOrder(configured);
  const fingerprints = valueFingerprints(loadFingerprintKey(opts.dataDir), configs, opts.installed);
  try {
    for (const plugin of toSetup) {
      const log = childLog(opts.log, plugin.id);
      const deps: Record<string, unknown> = {};
      for (const [key, dep] of Object.entries((plugin.deps ?? {}) as Record<string, ServiceDep>)) {
        const provided = registry.all(dep as ServiceRef);
        if (dep.required && !provided.length) throw new ConfigError([missingService(plugin, dep, opts.installed, configured)]);
        deps[key] = dep.multiple ? serviceSet(provided) : provided[0]?.service;
      }
      const instance = await plugin.setup({
        config: configs[plugin.id],
        log,
        deps,
        demo: demoPlugins.has(plugin.id),
        dataDir: path.join(opts.dataDir, "plugins", plugin.id),
        database: opts.database,
        world,
        scrubber,
        fingerprints,
        schedule(job) {
          const id = `${plugin.id}.${job.name}`;
          if (schedules.some((s) => s.id === id)) throw new ConfigError([`plugins.${plugin.id}: schedule "${id}" declared twice`]);
          try {
            new Cron(job.cron, { timezone: job.timezone, paused: true }).stop();
          } catch (err) {
            throw new ConfigError([`plugins.${plugin.id}: schedule "${id}": not a cron schedule (${err instanceof Error ? err.message : String(err)})`]);
          }
          schedules.push({ id, pluginId: plugin.id, job });
        },
      });
      if (instance.stop) stops.push(instance.stop);
      for (const [id, service] of Object.entries(instance.provides ?? {})) {
        const ref = plugin.provides?.find((r) => r.id === id);
        if (!ref) throw new ConfigError([`plugins.${plugin.id}: provides the "${id}" service without declaring it (provides: [${id}Ref] in its definition)`]);
        const providers = services.get(id) ?? [];
        if (providers.length && !ref.multiple) log.warn({ service: id }, `service "${id}" is already provided by plugins.${providers[0]!.pluginId}; keeping the first provider`);
        else services.set(id, [...providers, { pluginId: plugin.id, service }]);
      }
      for (const def of instance.probes ?? []) {
        const id = `${plugin.id}.${def.id}`;
        if (probes.has(id)) throw new ConfigError([`plugins.${plugin.id}: probe id "${id}" declared twice`]);
        probes.set(id, { id, pluginId: plugin.id, def });
      }
      for (const def of instance.actions ?? []) {
        const id = `${plugin.id}.${def.id}`;
        if (actions.has(id)) throw new ConfigError([`plugins.${plugin.id}: action id "${id}" declared twice`]);
        actions.set(id, { id, pluginId: plugin.id, risk: def.risk ?? "critical", def });
      }
      enabled.push({ id: plugin.id, title: plugin.title, description: plugin.description, demo: demoPlugins.has(plugin.id) });
    }
  } catch (err) {
    await Promise.allSettled(stops.map((s) => s()));
    throw err;
  }

  return {
    plugins: enabled,
    demoSecrets,
    demoHistory,
    world,
    probes,
    actions,
    services: registry,
    schedules,
    configs: Object.fromEntries(enabled.map((p) => [p.id, configs[p.id]])),
    async stop() {
      for (const stop of stops.reverse()) await stop().catch(() => {});
    },
  };
}

function childLog(log: SetupPluginsOptions["log"], plugin: string): Logger {
  return log.child ? log.child({ plugin }) : log;
}
