import { definePlugin, provide } from "../plugin-api";
import { deploysRef, type DeploymentInfo, type DeploysService } from "./api";
import { deploysDoctor } from "./doctor";
import { DeploysConfigSchema, type DeploysConfig } from "./config";
import { siteProbes } from "./probes";
import type { DeployProvider } from "./providers/provider";
import { rollbackAction } from "./rollback";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox } from "./sandbox";
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

export function deploysService(providers: Map<string, DeployProvider>): DeploysService {
  return {
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
    rollbackAction: (site, deploymentId) => ({ actionId: "deploys.rollback", input: { site, deploymentId } }),
  };
}

export default definePlugin<DeploysConfig>({
  id: "deploys",
  title: "Deploys",
  description: "Deploy platforms (Vercel, Netlify, Render, Railway): what is in production, what changed, failed builds, and a guarded rollback.",
  config: DeploysConfigSchema,
  doctor: deploysDoctor,
  provides: [deploysRef],
  async demo({ world }) {
    const now = Date.now();
    const sandbox = await startDeploysSandbox({
      settleMs: 3000,
      sites: [{ name: "shop", provider: "vercel", key: "prj_shop", deployments: shopDeployments("vercel", now), currentId: "dpl_shop4xxxx" }],
    });
    world?.provide("deploys.current", demoHandle(sandbox));
    return {
      config: { sites: { shop: { title: "Shop (Vercel)", provider: "vercel", projectId: "prj_shop", token: sandbox.token, apiBase: sandbox.url } } },
      stop: sandbox.stop,
    };
  },
  setup({ config }) {
    const providers = new Map(Object.entries(config.sites).map(([name, site]) => [name, providerFor(name, site)] as const));
    return {
      probes: Object.entries(config.sites).flatMap(([name, site]) => siteProbes(name, site, providers.get(name)!)),
      actions: Object.keys(config.sites).length ? [rollbackAction(config, providers)] : [],
      provides: provide(deploysRef, deploysService(providers)),
    };
  },
});
