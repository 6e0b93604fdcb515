import { probe, type ProbeDefinition, type ProbeReading } from "../plugin-api";
import type { HttpCheck } from "./config";

/** Reads a dot path ("supabase.url", "services.0.name") from parsed JSON. */
export function readPath(doc: unknown, dotPath: string): unknown {
  let cur: unknown = doc;
  for (const part of dotPath.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The URL as shown to people: no credentials, no query string (it may carry tokens). */
export function displayUrl(raw: string): string {
  const u = new URL(raw);
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  return u.toString();
}

function show(v: unknown): string {
  if (v === undefined) return "(missing)";
  return JSON.stringify(v);
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (cause?.code === "ENOTFOUND") return "host not found";
  if (cause?.code === "ECONNRESET") return "connection reset";
  if (cause?.code) return cause.code;
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** One configured health check as a probe: value = latency in ms; failed expectations = critical. */
export function httpCheckProbe(name: string, check: HttpCheck): ProbeDefinition {
  const where = displayUrl(check.url);
  const thresholds: { warn?: string; critical?: string } = {};
  if (check.latency.warn) thresholds.warn = `> ${check.latency.warn}`;
  if (check.latency.critical) thresholds.critical = `> ${check.latency.critical}`;
  return probe({
    id: name,
    title: check.title ?? `${check.method} ${new URL(check.url).pathname}`,
    description: `${check.method} ${where}: expects HTTP ${check.expectStatus}${Object.keys(check.expectJson).length ? " and " + Object.entries(check.expectJson).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ") : ""}`,
    unit: "ms",
    every: check.every,
    timeout: check.timeout,
    thresholds,
    async read({ signal }): Promise<ProbeReading> {
      const links = [{ label: `${check.method} ${where}`, href: where }];
      const started = performance.now();
      let res: Response;
      try {
        res = await fetch(check.url, { method: check.method, headers: check.headers, signal, redirect: "manual" });
      } catch (err) {
        if (signal.aborted) throw signal.reason ?? err;
        return {
          value: null,
          status: "critical",
          summary: `Unreachable: ${networkReason(err)}`,
          rows: [{ check: "reachable", expected: "an answer", actual: networkReason(err), result: "failed" }],
          links,
        };
      }
      const text = check.method === "HEAD" ? "" : await res.text();
      const latency = Math.round(performance.now() - started);
      const rows: Record<string, unknown>[] = [];
      const failures: string[] = [];
      const statusOk = res.status === check.expectStatus;
      rows.push({ check: "HTTP status", expected: String(check.expectStatus), actual: String(res.status), result: statusOk ? "ok" : "failed" });
      if (!statusOk) failures.push(`HTTP ${res.status}, expected ${check.expectStatus}`);

      const expectations = Object.entries(check.expectJson);
      if (expectations.length) {
        let doc: unknown;
        let parsed = true;
        try {
          doc = JSON.parse(text);
        } catch {
          parsed = false;
        }
        for (const [path, expected] of expectations) {
          const actual = parsed ? readPath(doc, path) : undefined;
          const ok = parsed && actual === expected;
          rows.push({ check: path, expected: show(expected), actual: parsed ? show(actual) : "(not JSON)", result: ok ? "ok" : "failed" });
          if (!ok) failures.push(parsed ? `${path} is ${show(actual)}, expected ${show(expected)}` : `the answer is not JSON (expected ${path} = ${show(expected)})`);
        }
      }
      rows.push({ check: "latency", expected: check.latency.warn ? `≤ ${check.latency.warn} ms` : "—", actual: `${latency} ms`, result: check.latency.warn && latency > check.latency.warn ? "slow" : "ok" });

      if (failures.length) {
        return { value: latency, status: "critical", summary: `Unhealthy: ${failures.join("; ")}`, rows, links };
      }
      return { value: latency, summary: `Healthy: HTTP ${res.status} in ${latency} ms`, rows, links };
    },
  });
}
