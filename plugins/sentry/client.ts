/** Sentry's web API (/api/0/…) with plain fetch: events-stats, the Discover events query, project issues, the project itself. */
import { UpstreamError } from "../plugin-api";
import type { SentryTransactionQuery } from "./api";

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

/** Sentry refused or failed a call: the family's `UpstreamError`, Sentry's HTTP status as `providerStatus`. */
export class SentryError extends UpstreamError {
  constructor(status: number, detail: string) {
    super(`Sentry: ${detail} (HTTP ${status})`, { providerStatus: status });
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
  const projectIds = new Map<string, string>();

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

  async function project(signal?: AbortSignal, slug = opts.project): Promise<string> {
    const known = projectIds.get(slug);
    if (known) return known;
    let p;
    try {
      p = await get(`/projects/${encodeURIComponent(opts.org)}/${encodeURIComponent(slug)}/`, [], signal);
    } catch (err) {
      // Sentry's own words ("The requested resource does not exist") do not say what was looked for: a slug's typo.
      if (err instanceof SentryError && err.providerStatus === 404) throw new SentryError(404, `no project "${slug}" in organization "${opts.org}"; check the project slug`);
      throw err;
    }
    projectIds.set(slug, String(p.id));
    return String(p.id);
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
    /**
     * Transactions in [from, to) from the Discover query (`/organizations/{org}/events/`): all of them, and the
     * bad ones: failure_count() (status other than ok, cancelled, unknown) or, for p95, those slower than thresholdMs.
     */
    async transactionCounts(q: SentryTransactionQuery, range: { from: Date; to: Date }, signal?: AbortSignal): Promise<{ bad: number; total: number }> {
      if (q.metric === "p95" && !(q.thresholdMs !== undefined && q.thresholdMs > 0)) throw new SentryError(400, "a p95 count needs thresholdMs");
      const pid = await project(signal, q.project ?? opts.project);
      const query = `event.type:transaction${q.transaction ? ` transaction:"${q.transaction.replace(/"/g, '\\"')}"` : ""}`;
      const goodField = q.metric === "p95" ? `count_if(transaction.duration,lessOrEquals,${q.thresholdMs})` : null;
      const fields = ["count()", goodField ?? "failure_count()"];
      const body = await get(
        `/organizations/${encodeURIComponent(opts.org)}/events/`,
        [...fields.map((f): [string, string] => ["field", f]), ["project", pid], ["query", query], ["start", range.from.toISOString()], ["end", range.to.toISOString()], ...env()],
        signal,
      );
      const row = body?.data?.[0] ?? {};
      const total = Number(row["count()"] ?? 0);
      const other = Number(row[fields[1]!] ?? 0);
      if (!Number.isFinite(total) || !Number.isFinite(other)) throw new SentryError(502, `the events query answered no numbers for ${fields.join(", ")}`);
      return { total, bad: goodField ? Math.max(0, total - other) : other };
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
