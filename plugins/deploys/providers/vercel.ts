import type { DeploymentInfo } from "../api";
import { followDeployment, ProviderAuthError, ProviderError, requestJson, siteUrl, type DeployProvider, type LogLine } from "./provider";

// Vercel REST API: GET /v6/deployments, GET /v13/deployments/{id}, GET /v9/projects/{id}
// (targets.production, lastRollbackTarget), POST /v1/projects/{id}/rollback/{deploymentId},
// POST /v13/deployments { name, deploymentId, target: "production" } (redeploy a previous
// deployment), GET /v3/deployments/{id}/events (build log), GET
// /v1/projects/{projectId}/deployments/{deploymentId}/runtime-logs (runtime log, a stream of JSON lines),
// GET /v9/projects/{id}/domains?production=true (the domains that serve production).
const STATE: Record<string, DeploymentInfo["state"]> = { READY: "ready", ERROR: "failed", CANCELED: "canceled", BUILDING: "building", INITIALIZING: "building", QUEUED: "queued" };

export function vercelProvider(site: string, cfg: { projectId: string; teamId?: string; token: string; apiBase?: string }): DeployProvider {
  const base = (cfg.apiBase ?? "https://api.vercel.com").replace(/\/$/, "");
  const team = cfg.teamId ? `teamId=${encodeURIComponent(cfg.teamId)}` : "";
  const q = (extra = "") => [extra, team].filter(Boolean).join("&");
  const call = (path: string, init: { method?: string; signal?: AbortSignal; body?: unknown } = {}) =>
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
    can: { latestCommit: false, restart: false, logs: ["build", "runtime"] },
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
        if (err instanceof ProviderError && err.providerStatus === 404) return null;
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
    async redeploy(from, signal) {
      if (from === "latest") throw new Error("Vercel redeploys an existing deployment; name one");
      const p = await project(signal);
      const created = await call(`/v13/deployments?${q("forceNew=1")}`, {
        method: "POST",
        body: { name: p?.name ?? cfg.projectId, project: cfg.projectId, deploymentId: from.id, target: "production", meta: { action: "redeploy" } },
        signal,
      });
      const id = String(created.body?.id ?? created.body?.uid ?? "");
      if (!id) throw new ProviderError("Vercel", created.status, "the new deployment's id is missing from the answer");
      return followDeployment(provider, id, `rebuilt from ${from.id}`);
    },
    async logs(deployment, { streams, limit }, signal) {
      const lines: LogLine[] = [];
      if (streams.includes("build")) {
        const r = await call(`/v3/deployments/${encodeURIComponent(deployment.id)}/events?${q(`direction=backward&limit=${limit}&follow=0&builds=1`)}`, { signal });
        for (const e of Array.isArray(r.body) ? r.body : []) {
          const text = e?.payload?.text ?? e?.text;
          if (typeof text !== "string" || !/^(stdout|stderr|command|fatal)$/.test(String(e.type))) continue;
          lines.push({ at: Number(e.created ?? e.payload?.date ?? 0), stream: "build", level: e.type === "stderr" || e.type === "fatal" ? "error" : "info", text });
        }
      }
      if (streams.includes("runtime")) lines.push(...(await runtimeLogs(deployment.id, limit, signal)));
      return lines.sort((a, b) => a.at - b.at).slice(-limit);
    },
    async publicUrls(signal) {
      const r = await call(`/v9/projects/${encodeURIComponent(cfg.projectId)}/domains?${q("production=true&limit=50")}`, { signal });
      // A domain bound to a git branch or a custom environment serves previews, not production.
      const domains = (r.body?.domains ?? []).filter((d: any) => d?.verified !== false && !d?.gitBranch && !d?.customEnvironmentId);
      // Vercel's own *.vercel.app domain first.
      domains.sort((a: any, b: any) => Number(!/\.vercel\.app$/i.test(String(a.name))) - Number(!/\.vercel\.app$/i.test(String(b.name))));
      return domains.map((d: any) => siteUrl(d.name)).filter((u: string | null): u is string => !!u);
    },
  };

  /** The runtime-logs endpoint streams JSON lines and may stay open: read up to `limit` lines or 4 s. */
  async function runtimeLogs(deploymentId: string, limit: number, signal?: AbortSignal): Promise<LogLine[]> {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), 4000);
    const onAbort = () => stop.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const out: LogLine[] = [];
    try {
      const res = await fetch(`${base}/v1/projects/${encodeURIComponent(cfg.projectId)}/deployments/${encodeURIComponent(deploymentId)}/runtime-logs?${q()}`, {
        headers: { authorization: `Bearer ${cfg.token}`, accept: "application/stream+json" },
        signal: stop.signal,
      });
      if (res.status === 401 || res.status === 403) throw new ProviderAuthError("Vercel", res.status);
      if (!res.ok) throw new ProviderError("Vercel", res.status, (await res.text()).slice(0, 300) || res.statusText);
      const reader = res.body?.getReader();
      let buf = "";
      const decoder = new TextDecoder();
      while (reader && out.length < limit) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch {
          break; // the 4 s are up: what arrived is the answer
        }
        if (chunk.done) break;
        buf += decoder.decode(chunk.value, { stream: true });
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0 && out.length < limit) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          try {
            const e = JSON.parse(line);
            const where = e.requestPath ? `${e.requestMethod ?? ""} ${e.requestPath}${e.responseStatusCode ? ` ${e.responseStatusCode}` : ""}: ` : "";
            out.push({ at: Number(e.timestampInMs ?? 0), stream: "runtime", level: e.level ?? null, text: `${where}${String(e.message ?? "")}` });
          } catch {
            // a line that is not JSON is not a log entry
          }
        }
      }
      reader?.cancel().catch(() => {});
    } catch (err) {
      if (err instanceof ProviderAuthError || err instanceof ProviderError) throw err;
      if (!stop.signal.aborted) throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    return out;
  }
  return provider;
}
