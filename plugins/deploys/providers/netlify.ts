import type { DeploymentInfo } from "../api";
import { followDeployment, ProviderError, requestJson, siteUrl, type DeployProvider } from "./provider";

// Netlify API: GET /api/v1/sites/{site_id} (published_deploy), GET /api/v1/sites/{site_id}/deploys,
// GET /api/v1/deploys/{deploy_id}, POST /api/v1/sites/{site_id}/deploys/{deploy_id}/restore,
// POST /api/v1/sites/{site_id}/builds (a new build of the production branch → { id, deploy_id }).
// The site's addresses: ssl_url / url, custom_domain and domain_aliases of GET /api/v1/sites/{site_id}.
// No logs: Netlify's build log has no documented REST endpoint and function logs are a live stream.
const STATE: Record<string, DeploymentInfo["state"]> = { ready: "ready", error: "failed", rejected: "failed", new: "queued", enqueued: "queued", building: "building", uploading: "building", uploaded: "building", preparing: "building", prepared: "building", processing: "building", processed: "building" };

export function netlifyProvider(site: string, cfg: { siteId: string; token: string; apiBase?: string }): DeployProvider {
  const base = (cfg.apiBase ?? "https://api.netlify.com").replace(/\/$/, "");
  const sid = encodeURIComponent(cfg.siteId);
  const call = (path: string, init: { method?: string; signal?: AbortSignal; body?: unknown } = {}) =>
    requestJson("Netlify", `${base}/api/v1${path}`, { ...init, token: cfg.token }, (b) => b?.message);
  const publishedId = async (signal?: AbortSignal) => ((await call(`/sites/${sid}`, { signal })).body?.published_deploy?.id as string | undefined) ?? null;

  const toInfo = (d: any, currentId: string | null): DeploymentInfo => ({
    id: String(d.id),
    site,
    provider: "netlify",
    state: STATE[String(d.state)] ?? "building",
    current: d.id === currentId,
    production: d.context === "production",
    commit: d.commit_ref ?? null,
    commitMessage: d.title ?? null,
    author: d.committer ?? null,
    createdAt: Date.parse(d.created_at),
    providerState: String(d.state),
    url: d.deploy_ssl_url ?? d.deploy_url ?? null,
    errorMessage: d.error_message ?? null,
  });

  const provider: DeployProvider = {
    name: "Netlify",
    can: { latestCommit: true, restart: false, logs: [] },
    async list(limit, signal) {
      const [current, list] = await Promise.all([publishedId(signal), call(`/sites/${sid}/deploys?per_page=${limit}`, { signal })]);
      return (list.body ?? []).map((d: any) => toInfo(d, current));
    },
    async current(signal) {
      const id = await publishedId(signal);
      return id ? provider.get(id, signal) : null;
    },
    async get(id, signal) {
      try {
        const [current, d] = await Promise.all([publishedId(signal), call(`/deploys/${encodeURIComponent(id)}`, { signal })]);
        if (d.body?.site_id && d.body.site_id !== cfg.siteId) return null;
        return toInfo(d.body, current);
      } catch (err) {
        if (err instanceof ProviderError && err.providerStatus === 404) return null;
        throw err;
      }
    },
    async rollback(target, signal) {
      await call(`/sites/${sid}/deploys/${encodeURIComponent(target.id)}/restore`, { method: "POST", signal });
      return {
        async follow(s) {
          const current = await publishedId(s);
          if (current === target.id) return { phase: "live", detail: `${target.id} is the published deploy`, deploymentId: target.id };
          return { phase: "pending", detail: `published deploy is still ${current ?? "none"}` };
        },
      };
    },
    async redeploy(from, signal) {
      if (from !== "latest") {
        // Netlify publishes an earlier deploy again (restore) rather than rebuilding it.
        await call(`/sites/${sid}/deploys/${encodeURIComponent(from.id)}/restore`, { method: "POST", signal });
        return followDeployment(provider, from.id, "published again");
      }
      const r = await call(`/sites/${sid}/builds`, { method: "POST", body: {}, signal });
      const id = r.body?.deploy_id;
      if (!id) throw new ProviderError("Netlify", r.status, "the build's deploy_id is missing from the answer");
      return followDeployment(provider, String(id), "latest commit of the production branch");
    },
    async publicUrls(signal) {
      const s = (await call(`/sites/${sid}`, { signal })).body ?? {};
      const aliases = Array.isArray(s.domain_aliases) ? s.domain_aliases : [];
      return [...new Set([s.ssl_url ?? s.url, s.custom_domain, ...aliases].map(siteUrl).filter((u): u is string => !!u))];
    },
  };
  return provider;
}
