import { doctorCheck, parseDuration, type DoctorCheck, type DoctorContext } from "../plugin-api";
import { createPromClient } from "./client";
import type { PrometheusConfig } from "./config";

/** Build info (reachable, credentials accepted) and one query (the query API answers). */
export async function prometheusDoctor({ config, signal }: DoctorContext<PrometheusConfig>): Promise<DoctorCheck[]> {
  if (config.unavailable) return [{ name: "server", ok: false, detail: config.unavailable, fix: "install prometheus (apt-get install prometheus) or set plugins.prometheus.url" }];
  const timeoutMs = parseDuration(config.timeout);
  const base = config.url.replace(/\/+$/, "");
  const auth = config.bearerToken ? "plugins.prometheus.bearerToken" : config.basicAuth ? "plugins.prometheus.basicAuth" : "plugins.prometheus.bearerToken or basicAuth";
  const fixFor = (err: unknown) => {
    const text = err instanceof Error ? err.message : String(err);
    if (/\b(401|403)\b|unauthori[sz]ed|forbidden/i.test(text)) return `check the credentials in ${auth}`;
    return `make ${base} reachable from the portal (network rule, proxy) or correct plugins.prometheus.url`;
  };
  const buildinfo = await doctorCheck("build info", fixFor, async () => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (config.bearerToken) headers.authorization = `Bearer ${config.bearerToken}`;
    else if (config.basicAuth) headers.authorization = `Basic ${Buffer.from(`${config.basicAuth.username}:${config.basicAuth.password}`).toString("base64")}`;
    const res = await fetch(`${base}/api/v1/status/buildinfo`, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200).trim()}`);
    const body = JSON.parse(text) as { data?: { version?: string } };
    return `Prometheus ${body.data?.version ?? "(version not given)"}`;
  });
  const client = createPromClient({ url: config.url, bearerToken: config.bearerToken, basicAuth: config.basicAuth, timeoutMs });
  const query = await doctorCheck("query", fixFor, async () => {
    const data = await client.query("vector(1)", { signal });
    return `vector(1) answered (${data.resultType})`;
  });
  return [buildinfo, query];
}
