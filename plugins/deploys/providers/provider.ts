import { UpstreamError } from "../../plugin-api";
import type { DeploymentInfo } from "../api";

/** A rejected token: said as "authentication failed", never with the token (the family's `UpstreamError`, the provider's status as `providerStatus`). */
export class ProviderAuthError extends UpstreamError {
  constructor(readonly provider: string, status: number) {
    super(`${provider}: authentication failed (HTTP ${status})`, { providerStatus: status });
  }
}

/** The provider refused or failed a call; `message` is the provider's own words, `providerStatus` its HTTP status (the family's `UpstreamError`). */
export class ProviderError extends UpstreamError {
  constructor(readonly provider: string, status: number, readonly providerMessage: string) {
    super(`${provider}: ${providerMessage} (HTTP ${status})`, { providerStatus: status });
  }
}

export type RollbackProgress = { phase: "pending" | "live" | "failed"; detail: string; deploymentId?: string };

/** One line of a site's build or runtime log, as the provider returned it (scrubbed before it is shown). */
export interface LogLine {
  at: number;
  stream: "build" | "runtime";
  /** The provider's level word (info, error…) where it gives one. */
  level: string | null;
  text: string;
}

/** A redeploy or restart the provider accepted: the deployment it made (if any) and a way to follow it. */
export interface ProviderJob {
  deploymentId: string | null;
  follow(signal?: AbortSignal): Promise<RollbackProgress>;
}

/** One deploy site at one provider, through the provider's documented API with plain fetch. */
export interface DeployProvider {
  readonly name: string;
  /**
   * What the provider's public API offers beyond reading and rolling back: a deploy of the
   * branch's latest commit (Render, Netlify), a restart without a build (Render, Railway), and
   * which log streams it returns.
   */
  readonly can: { latestCommit: boolean; restart: boolean; logs: readonly ("build" | "runtime")[] };
  /** Newest first; `current` marks the one serving production. */
  list(limit: number, signal?: AbortSignal): Promise<DeploymentInfo[]>;
  current(signal?: AbortSignal): Promise<DeploymentInfo | null>;
  get(id: string, signal?: AbortSignal): Promise<DeploymentInfo | null>;
  /** Starts the provider's own rollback / restore / promote to `targetId`; returns a handle to follow. */
  rollback(target: DeploymentInfo, signal?: AbortSignal): Promise<{ follow(signal?: AbortSignal): Promise<RollbackProgress> }>;
  /** A new production deployment built from `from` (its commit), or from the branch's latest commit (`can.latestCommit`). */
  redeploy(from: DeploymentInfo | "latest", signal?: AbortSignal): Promise<ProviderJob>;
  /** Restarts the running deployment without a build (`can.restart`). */
  restart?(current: DeploymentInfo, signal?: AbortSignal): Promise<ProviderJob>;
  /** Recent log lines of a deployment, newest last (`can.logs`). */
  logs?(deployment: DeploymentInfo, opts: { streams: readonly ("build" | "runtime")[]; limit: number }, signal?: AbortSignal): Promise<LogLine[]>;
  /** The addresses the site serves production at, as the provider lists them (its own domain first, then custom domains). */
  publicUrls(signal?: AbortSignal): Promise<string[]>;
}

/** `name` or `https://name/` → `https://name` (a provider lists domains with or without a scheme); null for anything else. */
export function siteUrl(raw: unknown): string | null {
  if (typeof raw !== "string" || !raw.trim()) return null;
  const text = /^https?:\/\//i.test(raw.trim()) ? raw.trim() : `https://${raw.trim()}`;
  try {
    const u = new URL(text);
    if (u.username || u.password) return null;
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/**
 * Follows a new deployment until it serves production (`current`), or ended failed/canceled. Used
 * for redeploys on every provider: each marks its current deployment in its own words.
 */
export function followDeployment(provider: Pick<DeployProvider, "name" | "get">, id: string, from: string): ProviderJob {
  return {
    deploymentId: id,
    async follow(signal) {
      const d = await provider.get(id, signal);
      if (!d) return { phase: "pending", detail: `deployment ${id} not visible yet` };
      if (d.current) return { phase: "live", detail: `deployment ${id} (${from}) serves production`, deploymentId: id };
      if (d.state === "failed" || d.state === "canceled") return { phase: "failed", detail: `${provider.name}: deployment ${id} ended ${d.providerState}${d.errorMessage ? `: ${d.errorMessage}` : ""}` };
      return { phase: "pending", detail: `deployment ${id} ${d.providerState}` };
    },
  };
}

/** One JSON request; auth failures and error bodies become typed errors in the provider's words. */
export async function requestJson(
  provider: string,
  url: string,
  init: { method?: string; token: string; body?: unknown; signal?: AbortSignal; authHeader?: "bearer"; auth?: Record<string, string> },
  messageOf: (body: any) => string | undefined,
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers: { ...(init.auth ?? { authorization: `Bearer ${init.token}` }), accept: "application/json", ...(init.body !== undefined ? { "content-type": "application/json" } : {}) },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    signal: init.signal,
  });
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (res.status === 401 || (res.status === 403 && isTokenProblem(body))) throw new ProviderAuthError(provider, res.status);
  if (!res.ok) throw new ProviderError(provider, res.status, clip(messageOf(body) ?? text) || res.statusText);
  return { status: res.status, body };
}

function isTokenProblem(body: any): boolean {
  const e = body?.error ?? body;
  return !!e && (e.invalidToken === true || /token|not authorized|unauthori[sz]ed|access denied/i.test(String(e.message ?? "")));
}

function clip(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason ?? new Error("aborted"));
    }, { once: true });
  });

export function everReady(d: DeploymentInfo): boolean {
  return d.state === "ready" || d.state === "superseded";
}
