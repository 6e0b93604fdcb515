import path from "node:path";
import type { PluginDefinition } from "../../../plugins/plugin-api";
import { installedPlugins } from "~/plugins.server";
import { loadConfig, type LoadConfigOptions } from "../config.server";
import type { Logger } from "../../../plugins/plugin-api";
import type { Portal } from "../portal.server";
import { runDoctor, type DoctorReport } from "./run.server";

const DEMO_NOTE = "Demo mode: no plugin section is configured, so the portal runs a sandbox for each plugin. `npm run doctor` checks the systems named in app-config.yaml; the Setup page of a running demo portal checks its sandboxes.";

/**
 * `npm run doctor`: the config loaded and validated exactly as the portal's start does (files,
 * ${ENV} substitution, schemas; a ConfigError is thrown as at start), then every configured
 * plugin's read-only checks.
 */
export async function doctorFromConfig(opts: LoadConfigOptions & { log: Logger; plugins?: readonly PluginDefinition[]; timeoutMs?: number }): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const config = loadConfig({ env, cwd });
  const configured = Object.keys(config.pluginConfigs).length > 0;
  if (!configured) return { mode: "demo", note: DEMO_NOTE, plugins: [] };
  const report = await runDoctor({
    installed: opts.plugins ?? installedPlugins,
    configs: config.pluginConfigs,
    secrets: config.secretValues,
    dataDir: path.resolve(cwd, config.app.dataDir),
    log: opts.log,
    env,
    mode: "configured",
    timeoutMs: opts.timeoutMs,
  });
  return config.demo ? { ...report, note: "app.demo is true: plugins without a section run their sandboxes; only the configured sections are checked here." } : report;
}

/** The Setup page: the running portal's plugins as set up, in demo mode its sandboxes. */
export async function doctorOfPortal(portal: Portal, plugins: readonly PluginDefinition[] = installedPlugins): Promise<DoctorReport> {
  const demoIds = new Set(portal.registry.plugins.filter((p) => p.demo).map((p) => p.id));
  const report = await runDoctor({
    installed: plugins,
    configs: portal.registry.configs,
    secrets: portal.config.secretValues,
    dataDir: portal.dataDir,
    log: portal.log,
    env: process.env,
    mode: portal.demo.enabled ? "demo" : "configured",
    timeoutMs: 10_000,
  });
  if (!portal.demo.enabled) return report;
  return { ...report, note: `Demo mode: ${demoIds.size} plugin(s) run against the portal's local sandboxes; these checks are of the sandboxes, with the same calls the doctor makes against a team's systems.` };
}
