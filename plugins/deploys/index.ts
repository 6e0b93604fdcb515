import { definePlugin, provide } from "../plugin-api";
import { deploysDoctor } from "./doctor";
import { deploysRef, type DeploymentInfo, type DeploysService } from "./api";
import { DeploysConfigSchema, type DeploysConfig, type SiteConfig } from "./config";
import { readSiteEnv } from "./env-vars";
import { siteProbes } from "./probes";
import type { DeployProvider } from "./providers/provider";
import { logsAction } from "./logs";
import { redeployAction } from "./redeploy";
import { restartAction } from "./restart";
import { rollbackAction } from "./rollback";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox, type SandboxEnvVar } from "./sandbox";
import { providerFor } from "./sites";

/** What the demo's deploys sandbox offers the other sandboxes (the Sentry one reads who served production when). */
export interface DeploysDemoHandle {
  current(site: string): { id: string; commit: string; faulty: boolean } | undefined;
  history(site: string): { id: string; commit: string; faulty: boolean; from: number; to: number }[];
}

export function demoHandle(sandbox: DeploysSandbox): DeploysDemoHandle {
  return {
    current(site) {
      const d = sandbox.current(site);
      return d && { id: d.id, commit: d.commit, faulty: !!d.faulty };
    },
    history(site) {
      return sandbox.history(site).map((h) => ({ id: h.deployment.id, commit: h.deployment.commit, faulty: !!h.deployment.faulty, from: h.from, to: h.to }));
    },
  };
}

/** The sandbox's variable editor for the demo's sandboxes page: names only out, values only in. */
export interface DeploysEnvHandle {
  names(site: string): string[];
  setEnv(site: string, key: string, value: string | null): void;
}

export function envHandle(sandbox: DeploysSandbox): DeploysEnvHandle {
  return {
    names: (site) => (sandbox.sites.get(site)?.env ?? []).map((e) => e.key),
    setEnv: (site, key, value) => sandbox.setEnv(site, key, value),
  };
}

export function deploysService(providers: Map<string, DeployProvider>, siteConfigs?: Record<string, SiteConfig>): DeploysService {
  return {
    ...(siteConfigs && {
      async envVars(site: string, opts: { environment?: string; signal?: AbortSignal } = {}) {
        const cfg = siteConfigs[site];
        if (!cfg) throw new Error(`unknown deploy site "${site}"`);
        return readSiteEnv(site, cfg, opts.environment ?? "production", opts.signal);
      },
    }),
    sites: () => [...providers.keys()],
    async current(site, signal) {
      const p = providers.get(site);
      if (!p) throw new Error(`unknown deploy site "${site}"`);
      return p.current(signal);
    },
    async inWindow({ from, to }, signal) {
      const lists = await Promise.allSettled([...providers.values()].map((p) => p.list(50, signal)));
      const all: DeploymentInfo[] = [];
      for (const r of lists) if (r.status === "fulfilled") all.push(...r.value.filter((d) => d.production && d.createdAt >= from.getTime() && d.createdAt < to.getTime()));
      const failed = lists.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed && lists.every((r) => r.status === "rejected")) throw failed.reason;
      return all.sort((a, b) => b.createdAt - a.createdAt);
    },
    async publicUrls(site, signal) {
      const p = providers.get(site);
      if (!p) throw new Error(`unknown deploy site "${site}"`);
      return p.publicUrls(signal);
    },
    rollbackAction: (site, deploymentId) => ({ actionId: "deploys.rollback", input: { site, deploymentId } }),
  };
}

export default definePlugin<DeploysConfig>({
  id: "deploys",
  title: "Deploys",
  description: "Deploy platforms (Vercel, Netlify, Render, Railway): what is in production, what changed, failed builds, recent logs, and guarded rollback, redeploy and restart.",
  config: DeploysConfigSchema,
  doctor: deploysDoctor,
  provides: [deploysRef],
  async demo({ world }) {
    const now = Date.now();
    // The shop's production variables (frontend on Vercel, backend on Render), handed over by the world.
    const shopEnv = world?.get<{ frontend: SandboxEnvVar[]; backend: SandboxEnvVar[] }>("shop.environment");
    const sandbox = await startDeploysSandbox({
      settleMs: 3000,
      sites: [
        { name: "shop", provider: "vercel", key: "prj_shop", deployments: shopDeployments("vercel", now), currentId: "dpl_shop4xxxx", env: shopEnv?.frontend },
        ...(shopEnv ? [{ name: "shop-api", provider: "render" as const, key: "srv-shopapi", deployments: shopDeployments("render", now).map((d) => ({ ...d, faulty: false })), currentId: "dep-shop4", env: shopEnv.backend }] : []),
      ],
    });
    world?.provide("deploys.current", demoHandle(sandbox));
    if (shopEnv) world?.provide("deploys.env", envHandle(sandbox));
    return {
      config: {
        sites: {
          shop: { title: "Shop (Vercel)", provider: "vercel", projectId: "prj_shop", token: sandbox.token, apiBase: sandbox.url },
          ...(shopEnv ? { "shop-api": { title: "Shop API (Render)", provider: "render", serviceId: "srv-shopapi", token: sandbox.token, apiBase: sandbox.url } } : {}),
        },
      },
      stop: sandbox.stop,
    };
  },
  setup({ config, scrubber }) {
    const providers = new Map(Object.entries(config.sites).map(([name, site]) => [name, providerFor(name, site)] as const));
    const all = [...providers.values()];
    return {
      probes: Object.entries(config.sites).flatMap(([name, site]) => siteProbes(name, site, providers.get(name)!)),
      // Restart and logs only where some configured provider offers them (Render, Railway; Netlify has no logs).
      actions: all.length
        ? [
            rollbackAction(config, providers),
            redeployAction(config, providers),
            ...(all.some((p) => p.can.restart) ? [restartAction(config, providers)] : []),
            ...(all.some((p) => p.can.logs.length) ? [logsAction(providers, scrubber)] : []),
          ]
        : [],
      provides: provide(deploysRef, deploysService(providers, config.sites)),
    };
  },
});
