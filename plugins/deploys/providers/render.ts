import type { DeploymentInfo } from "../api";
import { followDeployment, ProviderError, requestJson, siteUrl, type DeployProvider, type LogLine } from "./provider";

// Render API: GET /v1/services/{serviceId}/deploys ([{ deploy, cursor }]), GET /v1/services/{serviceId}/deploys/{deployId},
// POST /v1/services/{serviceId}/rollback { deployId } → the new deploy, followed until live or *_failed;
// POST /v1/services/{serviceId}/deploys { clearCache, commitId? } (deploy the latest commit, or one commit);
// POST /v1/services/{serviceId}/restart; GET /v1/services/{serviceId} (ownerId) and
// GET /v1/logs?ownerId&resource&type&direction=backward&limit → { logs: [{ id, message, timestamp, labels }], hasMore };
// the service's own address is GET /v1/services/{serviceId} → serviceDetails.url, its custom domains
// GET /v1/services/{serviceId}/custom-domains ([{ customDomain: { name, verificationStatus }, cursor }]).
const STATE: Record<string, DeploymentInfo["state"]> = {
  live: "ready",
  deactivated: "superseded",
  build_failed: "failed",
  update_failed: "failed",
  pre_deploy_failed: "failed",
  canceled: "canceled",
  created: "queued",
  queued: "queued",
  build_in_progress: "building",
  update_in_progress: "building",
  pre_deploy_in_progress: "building",
};

export function renderProvider(site: string, cfg: { serviceId: string; token: string; apiBase?: string }): DeployProvider {
  const base = (cfg.apiBase ?? "https://api.render.com").replace(/\/$/, "");
  const svc = encodeURIComponent(cfg.serviceId);
  const call = (path: string, init: { method?: string; signal?: AbortSignal; body?: unknown } = {}) =>
    requestJson("Render", `${base}/v1${path}`, { ...init, token: cfg.token }, (b) => b?.message);

  const toInfo = (d: any): DeploymentInfo => ({
    id: String(d.id),
    site,
    provider: "render",
    state: STATE[String(d.status)] ?? "building",
    current: d.status === "live",
    production: true,
    commit: d.commit?.id ?? null,
    commitMessage: d.commit?.message ?? null,
    author: null,
    createdAt: Date.parse(d.createdAt),
    providerState: String(d.status),
    url: null,
  });

  const provider: DeployProvider = {
    name: "Render",
    can: { latestCommit: true, restart: true, logs: ["build", "runtime"] },
    async list(limit, signal) {
      const r = await call(`/services/${svc}/deploys?limit=${limit}`, { signal });
      return (r.body ?? []).map((row: any) => toInfo(row.deploy ?? row));
    },
    async current(signal) {
      return (await provider.list(20, signal)).find((d) => d.current) ?? null;
    },
    async get(id, signal) {
      try {
        return toInfo((await call(`/services/${svc}/deploys/${encodeURIComponent(id)}`, { signal })).body);
      } catch (err) {
        if (err instanceof ProviderError && err.providerStatus === 404) return null;
        throw err;
      }
    },
    async rollback(target, signal) {
      const started = toInfo((await call(`/services/${svc}/rollback`, { method: "POST", body: { deployId: target.id }, signal })).body);
      return {
        async follow(s) {
          const d = await provider.get(started.id, s);
          if (!d) return { phase: "pending", detail: `deploy ${started.id} not visible yet` };
          if (d.providerState === "live") return { phase: "live", detail: `deploy ${d.id} (from ${target.id}) is live`, deploymentId: d.id };
          if (d.state === "failed" || d.state === "canceled") return { phase: "failed", detail: `Render: deploy ${d.id} ended ${d.providerState}` };
          return { phase: "pending", detail: `deploy ${d.id} ${d.providerState}` };
        },
      };
    },
    async redeploy(from, signal) {
      const before = new Set((await provider.list(20, signal)).map((d) => d.id));
      const body = { clearCache: "do_not_clear", ...(from !== "latest" && from.commit ? { commitId: from.commit } : {}) };
      const r = await call(`/services/${svc}/deploys`, { method: "POST", body, signal });
      // Render answers 201 with the deploy, or 202 without one when it queued the deploy behind another.
      let id = r.body?.id ? String(r.body.id) : null;
      if (!id) id = (await provider.list(20, signal)).find((d) => !before.has(d.id))?.id ?? null;
      if (!id) throw new ProviderError("Render", r.status, "Render accepted the deploy but lists no new deploy yet; see the service's Events");
      return followDeployment(provider, id, from === "latest" ? "latest commit" : `commit ${from.commit?.slice(0, 7) ?? "?"} of ${from.id}`);
    },
    async restart(current, signal) {
      await call(`/services/${svc}/restart`, { method: "POST", signal });
      return {
        deploymentId: null,
        async follow(s) {
          // A restart makes no deploy: the same deploy stays live, its instances start again.
          const now = await provider.current(s);
          if (now?.id === current.id) return { phase: "live", detail: `Render restarted the instances of deploy ${current.id}; it is still the live deploy` };
          return { phase: "failed", detail: `the live deploy changed to ${now?.id ?? "none"} during the restart` };
        },
      };
    },
    async logs(_deployment, { streams, limit }, signal) {
      const owner = (await call(`/services/${svc}`, { signal })).body?.ownerId;
      if (!owner) throw new ProviderError("Render", 200, "the service's ownerId is missing, so its logs cannot be listed");
      const types = streams.map((s) => `&type=${s === "build" ? "build" : "app"}`).join("");
      const r = await call(`/logs?ownerId=${encodeURIComponent(owner)}&resource=${svc}${types}&direction=backward&limit=${limit}`, { signal });
      const lines: LogLine[] = (r.body?.logs ?? []).map((l: any) => {
        const label = (name: string) => (Array.isArray(l.labels) ? l.labels.find((x: any) => x?.name === name)?.value : undefined) ?? null;
        return { at: Date.parse(l.timestamp), stream: label("type") === "build" ? "build" : "runtime", level: label("level"), text: String(l.message ?? "") };
      });
      return lines.sort((a, b) => a.at - b.at);
    },
    async publicUrls(signal) {
      const [service, custom] = await Promise.all([call(`/services/${svc}`, { signal }), call(`/services/${svc}/custom-domains?limit=50`, { signal }).catch(() => null)]);
      const own = siteUrl(service.body?.serviceDetails?.url);
      const domains = (custom?.body ?? []).map((row: any) => row?.customDomain ?? row).filter((d: any) => d?.verificationStatus !== "unverified").map((d: any) => siteUrl(d?.name));
      return [...new Set([own, ...domains].filter((u): u is string => !!u))];
    },
  };
  return provider;
}
