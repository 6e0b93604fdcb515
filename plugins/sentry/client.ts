/** Sentry's web API (/api/0/…) with plain fetch: events-stats, project issues, the project itself. */

export class SentryAuthError extends Error {
  constructor(status: number) {
    super(`Sentry: authentication failed (HTTP ${status})`);
    this.name = "SentryAuthError";
  }
}

/** Sentry answered 429: never read as "zero errors". */
export class SentryRateLimited extends Error {
  constructor(readonly retryAfterSec: number | null) {
    super(`Sentry rate-limited this read${retryAfterSec !== null ? `; retry after ${retryAfterSec} s` : ""}`);
    this.name = "SentryRateLimited";
  }
}

export class SentryError extends Error {
  constructor(readonly status: number, detail: string) {
    super(`Sentry: ${detail} (HTTP ${status})`);
    this.name = "SentryError";
  }
}

export interface SentryIssue {
  id: string;
  shortId: string;
  title: string;
  culprit: string | null;
  permalink: string;
  count: number;
  userCount: number;
  firstSeen: string;
  lastSeen: string;
  level: string;
  status: string;
}

export interface SentryClientOptions {
  url: string;
  org: string;
  project: string;
  token: string;
  environment?: string;
}

export function retryAfterOf(headers: Headers, now = Date.now()): number | null {
  const ra = headers.get("retry-after");
  if (ra && /^\d+(\.\d+)?$/.test(ra.trim())) return Math.ceil(Number(ra));
  const reset = headers.get("x-sentry-rate-limit-reset");
  if (reset && /^\d+(\.\d+)?$/.test(reset.trim())) return Math.max(0, Math.ceil(Number(reset) - now / 1000));
  return null;
}

export function createSentryClient(opts: SentryClientOptions) {
  const base = `${opts.url.replace(/\/$/, "")}/api/0`;
  let projectId: string | null = null;

  async function get(path: string, params: [string, string][] = [], signal?: AbortSignal): Promise<any> {
    const qs = params.length ? `?${new URLSearchParams(params).toString()}` : "";
    const res = await fetch(`${base}${path}${qs}`, { headers: { authorization: `Bearer ${opts.token}`, accept: "application/json" }, signal });
    if (res.status === 429) throw new SentryRateLimited(retryAfterOf(res.headers));
    if (res.status === 401 || res.status === 403) throw new SentryAuthError(res.status);
    const text = await res.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!res.ok) throw new SentryError(res.status, String(body?.detail ?? text.slice(0, 200) ?? res.statusText));
    return body;
  }

  async function project(signal?: AbortSignal): Promise<string> {
    if (projectId) return projectId;
    const p = await get(`/projects/${encodeURIComponent(opts.org)}/${encodeURIComponent(opts.project)}/`, [], signal);
    projectId = String(p.id);
    return projectId;
  }

  const env = (): [string, string][] => (opts.environment ? [["environment", opts.environment]] : []);

  return {
    /** Error events in [from, to), from events-stats in 1-minute buckets; `transaction` narrows to one route. */
    async errorCount(range: { from: Date; to: Date }, transaction?: string, signal?: AbortSignal): Promise<{ total: number; buckets: [number, number][] }> {
      const pid = await project(signal);
      const query = `event.type:error${transaction ? ` transaction:"${transaction.replace(/"/g, '\\"')}"` : ""}`;
      const body = await get(
        `/organizations/${encodeURIComponent(opts.org)}/events-stats/`,
        [["project", pid], ["query", query], ["yAxis", "count()"], ["interval", "1m"], ["start", range.from.toISOString()], ["end", range.to.toISOString()], ...env()],
        signal,
      );
      const buckets: [number, number][] = (body?.data ?? []).map((b: [number, { count: number }[]]) => [Number(b[0]), (b[1] ?? []).reduce((s, x) => s + Number(x.count ?? 0), 0)]);
      return { total: buckets.reduce((s, b) => s + b[1], 0), buckets };
    },
    /** The project's issues matching `query` (e.g. `is:unresolved firstSeen:>…`), most frequent first. */
    async issues(query: string, limit: number, signal?: AbortSignal): Promise<SentryIssue[]> {
      const rows = await get(
        `/projects/${encodeURIComponent(opts.org)}/${encodeURIComponent(opts.project)}/issues/`,
        [["query", query], ["sort", "freq"], ["statsPeriod", "24h"], ["limit", String(limit)], ...env()],
        signal,
      );
      return (rows ?? []).map((i: any) => ({ ...i, count: Number(i.count), userCount: Number(i.userCount ?? 0) }));
    },
  };
}

export type SentryClient = ReturnType<typeof createSentryClient>;
