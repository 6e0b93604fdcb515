// SLO figures: a real Prometheus (Debian's package) holding 28 days of a request counter and an
// error counter (one sample a minute for the last day, every 10 minutes before), loaded with
// promtool, and a portal booted in-process with one SLO over them.
//
// slo_widget_ms_p95           the ::slo widget's reads the way a page gets them: GET /api/slo/:name
//                             (session check, one instant query for the budget and five burn
//                             windows, one range query for the budget chart, JSON) — 100 runs, p95
// slo_bare_queries_ms_p95     the same two Prometheus queries by plain fetch, measured alternately
// slo_widget_overhead_ms_p95  the difference of the two p95s (goal: at most 20 ms)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import YAML from "yaml";
import { createOrUpdateUser, login, sessionCookie } from "~/core/auth.server";
import { bootPortal } from "~/core/boot.server";
import { BURN_WINDOWS } from "~/core/slo/burn";
import { SloSchema } from "~/core/slo/config";
import { combinedQuery } from "~/core/slo/sources.server";
import { loader as sloLoader } from "~/routes/api.slo.$name";
import { findPrometheus, INSTALL_HINT, openMetrics, startPrometheus } from "../plugins/prometheus/server";

const RUNS = 100;
const SLO = { objective: 99.5, window: "28d", minEvents: 50, sli: { errors: 'bench_webhooks_total{outcome="error"}', total: "bench_webhooks_total" } };

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
  if (!bins) throw new Error(`the slo bench needs Debian's prometheus: ${INSTALL_HINT}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-slo-"));
  const end = Math.floor(Date.now() / 1000 / 600) * 600;
  const ok: [number, number][] = [];
  const bad: [number, number][] = [];
  let okCount = 0;
  let badCount = 0;
  for (let t = end - 28 * 86_400 - 3600; t <= end; t += t < end - 86_400 ? 600 : 60) {
    const minutes = t < end - 86_400 ? 10 : 1;
    okCount += 30 * minutes;
    badCount += ((t * 7919) % 7 === 0 ? 3 : 0.1) * minutes;
    ok.push([t, okCount]);
    bad.push([t, badCount]);
  }
  const prom = await startPrometheus({
    dir: path.join(dir, "prometheus"),
    targets: [],
    bins,
    history: openMetrics([
      { name: "bench_webhooks_total", labels: { job: "bench", outcome: "ok" }, points: ok },
      { name: "bench_webhooks_total", labels: { job: "bench", outcome: "error" }, points: bad },
    ]),
  });
  fs.writeFileSync(path.join(dir, "app-config.yaml"), YAML.stringify({ app: { demo: false }, probes: { sampling: false }, plugins: { prometheus: { url: prom.url, alerts: false } }, slos: { webhooks: SLO } }));
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
    const slo = SloSchema.parse(SLO);
    const instant = combinedQuery(slo.sli, [...Object.keys(BURN_WINDOWS), slo.window]);
    const chartQuery = combinedQuery(slo.sli, [slo.window]);

    const widget = async () => {
      const started = performance.now();
      const res = (await sloLoader({ request: request("/api/slo/webhooks", cookie), params: { name: "webhooks" }, context: {} } as never)) as Response;
      const body = (await res.json()) as { remainingPct: number | null; budget: unknown[] };
      if (res.status !== 200 || body.remainingPct === null || body.budget.length < 30) throw new Error(`slo answer ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
      return performance.now() - started;
    };
    const post = (api: string, params: Record<string, string>) =>
      fetch(`${prom.url}/api/v1/${api}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(params).toString() }).then(async (r) => {
        if (!r.ok) throw new Error(`${api} answer ${r.status}`);
        return r.json();
      });
    const bare = async () => {
      const now = Math.floor(Date.now() / 1000);
      const step = Math.ceil((28 * 86_400) / 60);
      const started = performance.now();
      await Promise.all([
        post("query_range", { query: instant, start: String(now), end: String(now), step: "1" }),
        post("query_range", { query: chartQuery, start: String(Math.floor((now - 28 * 86_400) / step) * step), end: String(Math.floor(now / step) * step), step: String(step) }),
      ]);
      return performance.now() - started;
    };
    for (let i = 0; i < 10; i++) {
      await widget();
      await bare();
    }
    const widgets: number[] = [];
    const bares: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      widgets.push(await widget());
      bares.push(await bare());
    }
    const w = p95(widgets);
    const b = p95(bares);
    return { slo_widget_ms_p95: w, slo_bare_queries_ms_p95: b, slo_widget_overhead_ms_p95: Math.round((w - b) * 100) / 100 };
  } finally {
    await portal.shutdown();
    await prom.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
