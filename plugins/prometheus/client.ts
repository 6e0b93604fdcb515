/**
 * A small client for the Prometheus HTTP API (plain fetch): instant and range queries, alerts,
 * rules and label names. Errors carry Prometheus' own `errorType` and `error`.
 */
import { UpstreamError } from "../plugin-api";

export interface PromClientOptions {
  url: string;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  /** Sent to Prometheus as the query `timeout` and enforced here (plus a small margin). */
  timeoutMs: number;
  /** Demo mode: resolves when the private Prometheus answers; calls wait for it (within their signal). */
  ready?: Promise<unknown>;
}

export type Labels = Record<string, string>;
export interface VectorSample {
  metric: Labels;
  value: [number, string];
}
export interface MatrixSeries {
  metric: Labels;
  values: [number, string][];
}
export type QueryData =
  | { resultType: "vector"; result: VectorSample[] }
  | { resultType: "matrix"; result: MatrixSeries[] }
  | { resultType: "scalar"; result: [number, string] }
  | { resultType: "string"; result: [number, string] };

export interface PromAlert {
  labels: Labels;
  annotations: Labels;
  state: "firing" | "pending" | "inactive";
  activeAt?: string;
  value?: string;
}

/** An answer of Prometheus' API with `status: "error"`, or a transport failure: the family's `UpstreamError`, Prometheus' HTTP status as `providerStatus`. */
export class PrometheusError extends UpstreamError {
  constructor(
    /** Prometheus' errorType (`bad_data`, `execution`, `timeout`, `canceled`, `internal`, `unavailable`), or ours: `http`, `network`. */
    readonly errorType: string,
    /** Prometheus' own error text. */
    readonly error: string,
    status?: number,
  ) {
    super(`${errorType}: ${error}`, { providerStatus: status ?? null });
  }
}

/** Prometheus' sample values are strings ("NaN", "+Inf" included). */
export function sampleValue(v: string): number | null {
  const n = Number(v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : v);
  return Number.isFinite(n) ? n : null;
}

export interface PromClient {
  readonly baseUrl: string;
  /** `timeoutMs` lowers Prometheus' own evaluation timeout for this query. */
  query(promql: string, opts?: { time?: Date; signal?: AbortSignal; timeoutMs?: number }): Promise<QueryData>;
  queryRange(promql: string, range: { start: Date; end: Date; stepSeconds: number }, opts?: { signal?: AbortSignal }): Promise<MatrixSeries[]>;
  alerts(opts?: { signal?: AbortSignal }): Promise<PromAlert[]>;
  rules(opts?: { signal?: AbortSignal }): Promise<{ name: string; file: string; rules: { name: string; type: string; query: string; state?: string; labels?: Labels; annotations?: Labels }[] }[]>;
  labels(opts?: { signal?: AbortSignal; match?: string[] }): Promise<string[]>;
  labelValues(label: string, opts?: { signal?: AbortSignal }): Promise<string[]>;
}

export function createPromClient(o: PromClientOptions): PromClient {
  const base = o.url.replace(/\/+$/, "");
  const headers: Record<string, string> = { accept: "application/json" };
  if (o.bearerToken) headers.authorization = `Bearer ${o.bearerToken}`;
  else if (o.basicAuth) headers.authorization = `Basic ${Buffer.from(`${o.basicAuth.username}:${o.basicAuth.password}`).toString("base64")}`;
  const promTimeout = `${Math.max(1, Math.round(o.timeoutMs))}ms`;

  async function call<T>(path: string, params: URLSearchParams, signal: AbortSignal | undefined, method: "GET" | "POST" = "GET"): Promise<T> {
    const own = AbortSignal.timeout(o.timeoutMs + 1000);
    const combined = signal ? AbortSignal.any([signal, own]) : own;
    const url = `${base}${path}`;
    if (o.ready) {
      const waiting = o.ready.catch(() => undefined);
      await Promise.race([waiting, new Promise((_, reject) => combined.addEventListener("abort", () => reject(combined.reason), { once: true }))]);
    }
    let res: Response;
    try {
      res =
        method === "POST"
          ? await fetch(url, { method, headers: { ...headers, "content-type": "application/x-www-form-urlencoded" }, body: params.toString(), signal: combined })
          : await fetch(params.size ? `${url}?${params}` : url, { headers, signal: combined });
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      if (own.aborted) throw new PrometheusError("timeout", `no answer from Prometheus within ${o.timeoutMs + 1000} ms`);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new PrometheusError("network", cause?.code === "ECONNREFUSED" ? `connection refused (${displayBase(base)})` : (cause?.code ?? cause?.message ?? String(err)));
    }
    const text = await res.text().catch(() => "");
    let body: { status?: string; data?: unknown; errorType?: string; error?: string } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (body?.status === "error" || !res.ok) {
      if (body?.errorType || body?.error) throw new PrometheusError(body.errorType ?? "http", body.error ?? `HTTP ${res.status}`, res.status);
      const reason = res.status === 401 || res.status === 403 ? "authentication failed" : text.trim().slice(0, 200) || res.statusText;
      throw new PrometheusError("http", `HTTP ${res.status}: ${reason}`, res.status);
    }
    if (!body || body.status !== "success") throw new PrometheusError("http", `not a Prometheus API answer (HTTP ${res.status})`, res.status);
    return body.data as T;
  }

  return {
    baseUrl: displayBase(base),
    query(promql, opts = {}) {
      const own = opts.timeoutMs !== undefined && opts.timeoutMs < o.timeoutMs ? `${Math.max(1, Math.round(opts.timeoutMs))}ms` : promTimeout;
      const p = new URLSearchParams({ query: promql, timeout: own });
      if (opts.time) p.set("time", String(opts.time.getTime() / 1000));
      return call<QueryData>("/api/v1/query", p, opts.signal, "POST");
    },
    async queryRange(promql, range, opts = {}) {
      const p = new URLSearchParams({
        query: promql,
        start: String(range.start.getTime() / 1000),
        end: String(range.end.getTime() / 1000),
        step: String(range.stepSeconds),
        timeout: promTimeout,
      });
      const data = await call<QueryData>("/api/v1/query_range", p, opts.signal, "POST");
      if (data.resultType !== "matrix") throw new PrometheusError("bad_data", `expected a range (matrix), got ${data.resultType}`);
      return data.result;
    },
    async alerts(opts = {}) {
      const data = await call<{ alerts: PromAlert[] }>("/api/v1/alerts", new URLSearchParams(), opts.signal);
      return data.alerts ?? [];
    },
    async rules(opts = {}) {
      const data = await call<{ groups: any[] }>("/api/v1/rules", new URLSearchParams(), opts.signal);
      return data.groups ?? [];
    },
    labels(opts = {}) {
      const p = new URLSearchParams();
      for (const m of opts.match ?? []) p.append("match[]", m);
      return call<string[]>("/api/v1/labels", p, opts.signal);
    },
    labelValues(label, opts = {}) {
      return call<string[]>(`/api/v1/label/${encodeURIComponent(label)}/values`, new URLSearchParams(), opts.signal);
    },
  };
}

/** The base URL as shown to people: no credentials. */
function displayBase(raw: string): string {
  try {
    const u = new URL(raw);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/+$/, "");
  } catch {
    return raw;
  }
}
