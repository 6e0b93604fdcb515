import type { DeploymentInfo } from "../api";

/** A rejected token: said as "authentication failed", never with the token. */
export class ProviderAuthError extends Error {
  constructor(readonly provider: string, status: number) {
    super(`${provider}: authentication failed (HTTP ${status})`);
    this.name = "ProviderAuthError";
  }
}

/** The provider refused or failed a call; `message` is the provider's own words. */
export class ProviderError extends Error {
  constructor(readonly provider: string, readonly status: number, readonly providerMessage: string) {
    super(`${provider}: ${providerMessage} (HTTP ${status})`);
    this.name = "ProviderError";
  }
}

export type RollbackProgress = { phase: "pending" | "live" | "failed"; detail: string; deploymentId?: string };

/** One deploy site at one provider, through the provider's documented API with plain fetch. */
export interface DeployProvider {
  readonly name: string;
  /** Newest first; `current` marks the one serving production. */
  list(limit: number, signal?: AbortSignal): Promise<DeploymentInfo[]>;
  current(signal?: AbortSignal): Promise<DeploymentInfo | null>;
  get(id: string, signal?: AbortSignal): Promise<DeploymentInfo | null>;
  /** Starts the provider's own rollback / restore / promote to `targetId`; returns a handle to follow. */
  rollback(target: DeploymentInfo, signal?: AbortSignal): Promise<{ follow(signal?: AbortSignal): Promise<RollbackProgress> }>;
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
