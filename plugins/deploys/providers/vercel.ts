import type { DeploymentInfo } from "../api";
import { requestJson, type DeployProvider } from "./provider";

// Vercel REST API: GET /v6/deployments, GET /v13/deployments/{id}, GET /v9/projects/{id}
// (targets.production, lastRollbackTarget), POST /v1/projects/{id}/rollback/{deploymentId}.
const STATE: Record<string, DeploymentInfo["state"]> = { READY: "ready", ERROR: "failed", CANCELED: "canceled", BUILDING: "building", INITIALIZING: "building", QUEUED: "queued" };

export function vercelProvider(site: string, cfg: { projectId: string; teamId?: string; token: string; apiBase?: string }): DeployProvider {
  const base = (cfg.apiBase ?? "https://api.vercel.com").replace(/\/$/, "");
  const team = cfg.teamId ? `teamId=${encodeURIComponent(cfg.teamId)}` : "";
  const q = (extra = "") => [extra, team].filter(Boolean).join("&");
  const call = (path: string, init: { method?: string; signal?: AbortSignal } = {}) =>
    requestJson("Vercel", `${base}${path}`, { ...init, token: cfg.token }, (b) => b?.error?.message);
  const project = async (signal?: AbortSignal) => (await call(`/v9/projects/${encodeURIComponent(cfg.projectId)}?${q()}`, { signal })).body;

  const toInfo = (d: any, currentId: string | null): DeploymentInfo => {
    const word = String(d.readyState ?? d.state ?? "");
    const meta = d.meta ?? {};
    return {
      id: String(d.uid ?? d.id),
      site,
      provider: "vercel",
      state: STATE[word] ?? "building",
      current: (d.uid ?? d.id) === currentId,
      production: d.target === "production",
      commit: meta.githubCommitSha ?? null,
      commitMessage: meta.githubCommitMessage ?? null,
      author: meta.githubCommitAuthorName ?? d.creator?.username ?? null,
      createdAt: Number(d.created ?? d.createdAt),
      providerState: word,
      url: d.url ? `https://${d.url}` : null,
      errorMessage: d.errorMessage ?? null,
    };
  };

  const provider: DeployProvider = {
    name: "Vercel",
    async list(limit, signal) {
      const [p, list] = await Promise.all([project(signal), call(`/v6/deployments?${q(`projectId=${encodeURIComponent(cfg.projectId)}&limit=${limit}`)}`, { signal })]);
      const currentId = p?.targets?.production?.id ?? null;
      return (list.body?.deployments ?? []).map((d: any) => toInfo(d, currentId));
    },
    async current(signal) {
      const id = (await project(signal))?.targets?.production?.id;
      if (!id) return null;
      return provider.get(id, signal);
    },
    async get(id, signal) {
      try {
        const [p, d] = await Promise.all([project(signal), call(`/v13/deployments/${encodeURIComponent(id)}?${q()}`, { signal })]);
        return toInfo(d.body, p?.targets?.production?.id ?? null);
      } catch (err) {
        if ((err as { status?: number }).status === 404) return null;
        throw err;
      }
    },
    async rollback(target, signal) {
      await call(`/v1/projects/${encodeURIComponent(cfg.projectId)}/rollback/${encodeURIComponent(target.id)}?${q("description=opsdeck%20rollback")}`, { method: "POST", signal });
      return {
        async follow(s) {
          const p = await project(s);
          const job = p?.lastRollbackTarget;
          if (p?.targets?.production?.id === target.id && (!job || job.jobStatus === "succeeded")) return { phase: "live", detail: `${target.id} serves production`, deploymentId: target.id };
          if (job?.jobStatus === "failed") return { phase: "failed", detail: `Vercel reports the rollback job failed${job.reason ? `: ${job.reason}` : ""}` };
          return { phase: "pending", detail: `rollback job ${job?.jobStatus ?? "requested"}` };
        },
      };
    },
  };
  return provider;
}
