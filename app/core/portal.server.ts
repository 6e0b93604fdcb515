import type { PortalConfig } from "./config.server";
import type { Store } from "./db/store.server";
import type { Log } from "./log.server";
import type { PluginRegistry } from "./plugins/registry.server";

/** Work a feature runs after the store and plugins are up (scheduler, recovery…), stopped on shutdown. */
export type BootStep = (portal: Portal) => Promise<(() => Promise<void>) | void>;

export interface Portal {
  config: PortalConfig;
  store: Store;
  log: Log;
  registry: PluginRegistry;
  demo: { enabled: boolean; password?: string };
  dataDir: string;
  /** Absolute runbooks folder (config runbooks.dir / OPSDECK_RUNBOOKS_DIR, resolved against the start folder). */
  runbooksDir: string;
  startedAt: Date;
  shutdown(): Promise<void>;
}

const GLOBAL_KEY = Symbol.for("opsdeck.portal");
type GlobalWithPortal = typeof globalThis & { [GLOBAL_KEY]?: Portal };

/** The running portal. Routes and core services reach config, store and plugins through it. Start-up lives in boot.server.ts. */
export function getPortal(): Portal {
  const portal = (globalThis as GlobalWithPortal)[GLOBAL_KEY];
  if (!portal) throw new Error("the portal has not been started (bootPortal)");
  return portal;
}

export function hasPortal(): boolean {
  return !!(globalThis as GlobalWithPortal)[GLOBAL_KEY];
}

/** Makes a booted portal the running one (boot), or forgets it on shutdown (only if it is still the running one). */
export function setPortal(portal: Portal | null, previous?: Portal): void {
  const g = globalThis as GlobalWithPortal;
  if (portal) g[GLOBAL_KEY] = portal;
  else if (!previous || g[GLOBAL_KEY] === previous) delete g[GLOBAL_KEY];
}
