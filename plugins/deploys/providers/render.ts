import type { DeploymentInfo } from "../api";
import { requestJson, type DeployProvider } from "./provider";

// Render API: GET /v1/services/{serviceId}/deploys ([{ deploy, cursor }]), GET /v1/services/{serviceId}/deploys/{deployId},
// POST /v1/services/{serviceId}/rollback { deployId } → the new deploy, followed until live or *_failed.
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
        if ((err as { status?: number }).status === 404) return null;
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
  };
  return provider;
}
