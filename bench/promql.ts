// Prometheus figures: a real Prometheus (Debian's package) on a free loopback port, holding 24 h of
// a seeded series (15 s resolution) loaded with promtool, and a portal booted in-process with the
// prometheus plugin pointed at it.
//
// promql_chart_ms_p95        a 24 h chart of that series the way a page gets it: the history
//                            route (session check, plugin's range with the step fitted to a
//                            640 px chart, JSON answer) — 100 runs, p95
// promql_query_range_ms_p95  the bare query_range call for the same window and step (plain fetch,
//                            no portal), measured alternately with the above — 100 runs, p95
// promql_chart_overhead_ms   the difference of the two p95s (goal: at most 20 ms)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import YAML from "yaml";
import { createOrUpdateUser, login, sessionCookie } from "~/core/auth.server";
import { bootPortal } from "~/core/boot.server";
import { loader as historyLoader } from "~/routes/api.probes.$probeId.history";
import { findPrometheus, INSTALL_HINT, openMetrics, startPrometheus } from "../plugins/prometheus/server";

const RUNS = 100;
const WIDTH = 640;
const QUERY = 'sum(rate(bench_orders_total{shop="demo"}[5m]))';

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]! * 100) / 100;
}

function request(url: string, cookie: string): Request {
  const headers = new Headers({ cookie, "x-opsdeck-peer": "127.0.0.1", "x-opsdeck-proto": "http", accept: "application/json" });
  return new Request(new URL(url, "http://localhost"), { headers });
}

export async function run(): Promise<Record<string, number>> {
  const bins = findPrometheus();
  if (!bins) throw new Error(`the promql bench needs Debian's prometheus: ${INSTALL_HINT}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-promql-"));
  const now = Math.floor(Date.now() / 1000);
  const points: [number, number][] = [];
  let total = 0;
  for (let t = now - 24 * 3600; t <= now; t += 15) {
    const hour = new Date(t * 1000).getUTCHours();
    total += Math.round(2 + 3 * Math.sin((hour / 24) * Math.PI) + ((t * 7919) % 5));
    points.push([t, total]);
  }
  const prom = await startPrometheus({ dir: path.join(dir, "prometheus"), targets: [], bins, history: openMetrics([{ name: "bench_orders_total", labels: { shop: "demo", job: "bench" }, points }]) });
  fs.writeFileSync(
    path.join(dir, "app-config.yaml"),
    YAML.stringify({ app: { demo: false }, probes: { sampling: false }, plugins: { prometheus: { url: prom.url, alerts: false, queries: { orders: { promql: QUERY, unit: "orders/s" } } } } }),
  );
  fs.mkdirSync(path.join(dir, "runbooks"));
  const portal = await bootPortal({
    cwd: dir,
    env: { SESSION_SECRET: "bench-session-secret-0123456789abcdef", OPSDECK_DATA_DIR: path.join(dir, "data") },
    databaseUrl: path.join(dir, "bench.sqlite"),
    background: false,
    demoUsers: false,
    log: pino({ level: "silent" }),
  });
  try {
    await createOrUpdateUser(portal.store, { username: "bench", password: "bench-password-0123", roles: ["viewer"] });
    const signed = await login(portal.store, portal.config, { username: "bench", password: "bench-password-0123", address: "127.0.0.1" });
    if (!signed.ok) throw new Error("bench sign-in failed");
    const cookie = sessionCookie(request("/", ""), signed.token, 60).split(";")[0]!;

    const chart = async () => {
      const started = performance.now();
      const res = (await historyLoader({ request: request(`/api/probes/prometheus.orders/history?range=24h&width=${WIDTH}`, cookie), params: { probeId: "prometheus.orders" }, context: {} } as never)) as Response;
      const body = (await res.json()) as { samples: unknown[]; step: number };
      if (res.status !== 200 || body.samples.length < 600) throw new Error(`chart answer ${res.status} with ${body.samples?.length} points`);
      return performance.now() - started;
    };
    const bare = async () => {
      const step = Math.ceil(86_400 / WIDTH);
      const end = Math.floor(Date.now() / 1000 / step) * step;
      const started = performance.now();
      const res = await fetch(`${prom.url}/api/v1/query_range`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query: QUERY, start: String(end - 86_400), end: String(end), step: String(step) }).toString(),
      });
      const body = (await res.json()) as { data: { result: { values: unknown[] }[] } };
      if (!res.ok || (body.data.result[0]?.values.length ?? 0) < 600) throw new Error(`query_range answer ${res.status}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 10; i++) {
      await chart();
      await bare();
    }
    const charts: number[] = [];
    const bares: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      charts.push(await chart());
      bares.push(await bare());
    }
    const c = p95(charts);
    const b = p95(bares);
    return { promql_chart_ms_p95: c, promql_query_range_ms_p95: b, promql_chart_overhead_ms: Math.round((c - b) * 100) / 100 };
  } finally {
    await portal.shutdown();
    await prom.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
