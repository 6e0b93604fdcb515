import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { PluginDefinition } from "../../plugins/plugin-api";
import { installedPlugins } from "~/plugins.server";
import { initRequestKey } from "./actions/requests.server";
import { onRunFinished } from "./actions/run-events.server";
import { closeCheckpointWriter } from "./audit/checkpoint-writer.server";
import { startAuditLog } from "./audit/start-check.server";
import { createOrUpdateUser } from "./auth.server";
import { ConfigError, loadConfig, type LoadConfigOptions } from "./config.server";
import { migrate, openStore } from "./db/store.server";
import { createLogger, type Log } from "./log.server";
import { setupPlugins } from "./plugins/registry.server";
import { MIN_SECRET_LENGTH, urlPasswords } from "./secrets/index.server";
import { setPortal, type BootStep, type Portal } from "./portal.server";
import { applyDemoSlos } from "./slo/demo.server";
import { registerSloProbes } from "./slo/service.server";

export const DEMO_USERS = [
  { username: "viewer", roles: ["viewer"] },
  { username: "responder", roles: ["responder"] },
  { username: "admin", roles: ["admin"] },
  { username: "admin2", roles: ["admin"] },
  { username: "manager", roles: ["manager"] },
] as const;

export interface BootOptions extends LoadConfigOptions {
  /** Overrides DATABASE_URL. */
  databaseUrl?: string;
  /** Overrides the installed plugin list (tests use fixture plugins). */
  plugins?: readonly PluginDefinition[];
  /** Extra start-up work, in order, after the built-in steps. */
  steps?: BootStep[];
  /** Skip the built-in background work (scheduler…): CLIs and unit tests. */
  background?: boolean;
  log?: Log;
  /** Create/refresh the demo accounts in demo mode (default true; CLIs pass false). */
  demoUsers?: boolean;
  /**
   * false: migrate every plugin's tables but set up no plugin (no sandboxes, demo worlds or timers):
   * CLIs that work on the store of a portal that may be running.
   */
  pluginSetup?: boolean;
  /** An admin's reason to start over an audit gap (else env OPSDECK_ACCEPT_AUDIT_GAP): audited. */
  acceptAuditGap?: string;
}

/** Built-in start-up steps, each owned by its feature. */
async function builtInSteps(): Promise<BootStep[]> {
  const steps: BootStep[] = [];
  // Demo mode's past incidents go first: the audit chain's times never go backwards.
  steps.push((await import("./demo/history.server")).demoHistoryBootStep);
  steps.push((await import("./actions/recovery.server")).actionsBootStep);
  // Before sampling: each check of a provider's status page raises its alerts and joins its incidents to ours.
  steps.push((await import("./incidents/provider-incidents.server")).providerIncidentsBootStep);
  steps.push((await import("./probes/service.server")).startProbeSampling);
  steps.push((await import("./runbooks/runbooks.server")).warmRunbooks);
  // After the first probe round: is every runbook's widget resolving and reading? Then hourly.
  steps.push((await import("./runbooks/verify.server")).startRunbookVerification);
  // Burn-rate conditions of the configured SLOs: each start or stop an inbox alert (source slo).
  steps.push((await import("./slo/service.server")).sloBootStep);
  // Alerts whose endsAt has passed resolve even when the source never says so.
  steps.push((await import("./alerts/service.server")).alertsBootStep);
  // Notifications: the outbox's sender and the escalation clock (each delivery and level claimed in the store).
  steps.push((await import("./notifications/service.server")).notificationsBootStep);
  // Plugins' schedules (backups, verifications…): each tick claimed in the store, run once across instances.
  steps.push((await import("./scheduler/scheduler.server")).startPluginSchedules);
  return steps;
}

/** After a run, the acting plugin's own readings may have changed: pages showing them update now, not next interval. */
const refreshProbesAfterRuns: BootStep = async (portal) => {
  const { refreshPluginProbes } = await import("./probes/service.server");
  const off = onRunFinished(portal, (e) => {
    if (e.status === "succeeded" || e.status === "failed") refreshPluginProbes(e.pluginId, portal);
  });
  return async () => off();
};

/** Demo mode without SESSION_SECRET: a generated secret kept in the data folder (mode 0600). */
function demoSessionSecret(dataDir: string): string {
  const file = path.join(dataDir, "session-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = crypto.randomBytes(32).toString("base64url");
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

export async function bootPortal(options: BootOptions = {}): Promise<Portal> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const config = loadConfig({ env, cwd });
  const log = options.log ?? createLogger(config.secretValues);
  const dataDir = path.resolve(cwd, config.app.dataDir);
  const databaseUrl = options.databaseUrl ?? env.DATABASE_URL ?? path.join(dataDir, "opsdeck.sqlite");

  if (!config.sessionSecret) {
    config.sessionSecret = demoSessionSecret(dataDir);
    config.secretValues.push(config.sessionSecret);
  }
  // The store's own password (DATABASE_URL=postgres://user:password@…) is a portal secret too.
  for (const value of urlPasswords(databaseUrl)) if (value.length >= MIN_SECRET_LENGTH && !config.secretValues.includes(value)) config.secretValues.push(value);
  const store = await openStore(databaseUrl);
  const stops: (() => Promise<void>)[] = [];
  try {
    const plugins = options.plugins ?? installedPlugins;
    const applied = await migrate(store, plugins);
    if (applied.length) log.info({ applied }, "database migrated");
    // Before anything is audited: refuse a log whose end cannot be vouched for; keys kept outside
    // the database are read (or generated on a fresh install) with the environment given to boot.
    await startAuditLog({ store, config, dataDir, env, log, acceptGap: options.acceptAuditGap ?? env.OPSDECK_ACCEPT_AUDIT_GAP });
    stops.push(async () => closeCheckpointWriter({ store }));

    const registry = await setupPlugins({
      installed: options.pluginSetup === false ? [] : plugins,
      configs: config.pluginConfigs,
      demo: config.demo && options.pluginSetup !== false,
      dataDir,
      log,
      database: { dialect: store.dialect, db: store.db },
      portalUrl: `http://127.0.0.1:${config.server.port}`,
      secrets: config.secretValues,
    });
    stops.push(() => registry.stop());
    for (const value of registry.demoSecrets) {
      if (value.length >= MIN_SECRET_LENGTH && !config.secretValues.includes(value)) config.secretValues.push(value);
    }

    const demo: Portal["demo"] = { enabled: config.demo };
    if (config.demo && options.demoUsers !== false) {
      demo.password = env.OPSDECK_DEMO_PASSWORD || crypto.randomBytes(9).toString("base64url");
      if (demo.password.length < 8) throw new ConfigError(["OPSDECK_DEMO_PASSWORD: must be at least 8 characters"]);
      for (const u of DEMO_USERS) await createOrUpdateUser(store, { username: u.username, password: demo.password, roles: [...u.roles] });
    }

    let stopped = false;
    const portal: Portal = {
      config,
      store,
      log,
      registry,
      demo,
      dataDir,
      runbooksDir: path.resolve(cwd, config.runbooks.dir),
      startedAt: new Date(),
      async shutdown() {
        if (stopped) return;
        stopped = true;
        for (const stop of stops.reverse()) await stop().catch((err) => log.error({ err }, "error during shutdown"));
        closeCheckpointWriter(portal);
        await store.close();
        setPortal(null, portal);
      },
    };
    setPortal(portal);
    // Demo mode without slos: the seeds' SLOs over the demo shop's series.
    applyDemoSlos(portal);
    // Core probes beside the plugins': slo.<name> for each configured SLO, before anything reads probes.
    registerSloProbes(portal);
    // Keys kept outside the database, read (or generated) now with the environment given to boot.
    initRequestKey(portal, env);
    // Not background work: pages must show a plugin's fresh readings after its run, CLIs and tests included.
    const offRefresh = await refreshProbesAfterRuns(portal);
    if (offRefresh) stops.push(offRefresh);

    const steps = [...(options.background === false ? [] : await builtInSteps()), ...(options.steps ?? [])];
    for (const step of steps) {
      const stop = await step(portal);
      if (stop) stops.push(stop);
    }
    return portal;
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}
