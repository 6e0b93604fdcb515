import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrUpdateUser } from "~/core/auth.server";
import { migrate, openStore } from "~/core/db/store.server";
import { promqlHistory } from "~/core/probes/promql.server";
import { probeEngine } from "~/core/probes/service.server";
import { createPromClient } from "../../plugins/prometheus/client";
import { findPrometheus, INSTALL_HINT, openMetrics, startPrometheus, type PrivatePrometheus } from "../../plugins/prometheus/server";
import { freshDatabaseUrl, testPortal } from "../helpers/portal";
import { freePort, signIn, startServer, type RunningServer } from "../helpers/server";

// Real Prometheus (Debian's package) on a free loopback port with its own config and tsdb, never :9090.
const bins = findPrometheus();
const tmpDirs: string[] = [];
function tmp(prefix: string) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

it("Debian's prometheus and promtool are installed", () => {
  expect(bins, `these tests need Debian's prometheus: ${INSTALL_HINT}`).not.toBeNull();
});

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const LATENCY_RUNBOOK = [
  "---",
  "title: Latency",
  "plugins: [prometheus]",
  "---",
  "## Now",
  `::status{promql='sum(rate(http_request_duration_seconds_count{job="opsdeck"}[1m]))' unit="req/s" warn="> 100000"}`,
  `::chart{promql='sum(rate(http_request_duration_seconds_count{job="opsdeck"}[1m]))' range="5m" unit="req/s"}`,
  "",
].join("\n");

describe.skipIf(!bins)("a real Prometheus scraping the portal's /metrics", () => {
  let server: RunningServer;
  let prom: PrivatePrometheus;
  let cookie: string;
  let dropDb: () => Promise<void>;

  beforeAll(async () => {
    const dir = tmp("opsdeck-prom-srv-");
    const runbooks = path.join(dir, "runbooks");
    fs.mkdirSync(runbooks);
    fs.writeFileSync(path.join(runbooks, "latency.md"), LATENCY_RUNBOOK);
    const db = await freshDatabaseUrl("sqlite");
    dropDb = db.drop;
    const store = await openStore(db.url);
    await migrate(store);
    await createOrUpdateUser(store, { username: "viewer", password: "test-password", roles: ["viewer"] });
    await store.close();
    const promPort = await freePort();
    server = await startServer({
      dir,
      runbooksDir: runbooks,
      config: {
        app: { demo: false, dataDir: "./data" },
        probes: { overrides: { "prometheus.http-latency-p95": { every: "1s" } } },
        plugins: {
          prometheus: {
            url: `http://127.0.0.1:${promPort}`,
            presets: ["http-latency"],
            queries: {
              "request-rate": { promql: 'sum(rate(http_request_duration_seconds_count{job="opsdeck"}[1m]))', unit: "req/s", every: "1s" },
              "broken-query": { promql: "sum(rate(http_request_duration_seconds_count[5m])", every: "1s" },
            },
          },
        },
      },
      env: { DATABASE_URL: db.url, SESSION_SECRET: "prom-test-session-secret-0123456789", OPSDECK_AUDIT_KEY: "prom-test-audit-key-0123456789" },
    });
    prom = await startPrometheus({ dir: path.join(dir, "prometheus"), port: promPort, targets: [{ job: "opsdeck", url: `${server.baseUrl}/metrics` }], scrapeInterval: "1s" });
    cookie = await signIn(server.baseUrl, "viewer");
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await server?.stop();
    await dropDb?.();
  });

  const get = async (p: string) => {
    const res = await fetch(`${server.baseUrl}${p}`, { headers: { cookie, accept: "application/json" } });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it("waits for samples, then reads p95 latency and a request rate through the plugin", async () => {
    const client = createPromClient({ url: prom.url, timeoutMs: 5000 });
    // Traffic for the histogram, scraped every second.
    const traffic = setInterval(() => void fetch(`${server.baseUrl}/healthz`).catch(() => {}), 50);
    try {
      await until("the portal's samples in Prometheus", async () => {
        const d = await client.query('sum(rate(http_request_duration_seconds_count{job="opsdeck"}[1m]))');
        return d.resultType === "vector" && d.result.length === 1 && Number(d.result[0]!.value[1]) > 0;
      });
      const rate = await until("a request rate reading", async () => {
        const r = await get("/api/probes/prometheus.request-rate");
        return r.status === 200 && typeof r.body.value === "number" && r.body.value > 0 ? r.body : null;
      });
      expect(rate.unit).toBe("req/s");
      expect(rate.status).toBe("ok");
      expect(rate.summary).toMatch(/req\/s/);
      const p95 = await until("a p95 latency reading", async () => {
        const r = await get("/api/probes/prometheus.http-latency-p95");
        return r.status === 200 && typeof r.body.value === "number" ? r.body : null;
      });
      // /healthz answers in well under a bucket of 0.25 s; the seed's baseline line is 300 ms.
      expect(p95.value).toBeGreaterThan(0);
      expect(p95.value).toBeLessThanOrEqual(0.3);
      expect(p95.thresholds).toEqual({ warn: "> 0.3" });
      expect(p95.unit).toBe("s");
    } finally {
      clearInterval(traffic);
    }
  }, 60_000);

  it("a malformed query shows Prometheus' parse error; the rest of the API is unaffected", async () => {
    const r = await until("the broken query's reading", async () => {
      const x = await get("/api/probes/prometheus.broken-query");
      return x.body.error ? x : null;
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("unknown");
    // Shown as Prometheus wrote it (after three failed reads, inside the open circuit's note).
    expect(r.body.error).toMatch(/bad_data: invalid parameter "query": 1:50: parse error: unclosed left parenthesis/);
    expect((await get("/api/probes")).status).toBe(200);
  }, 30_000);

  it("a ::status{promql} directive becomes a probe on its page, and ::chart{promql} reads query_range", async () => {
    const page = await fetch(`${server.baseUrl}/runbooks/latency`, { headers: { cookie } });
    const html = await page.text();
    expect(page.status).toBe(200);
    const ids = [...new Set([...html.matchAll(/prometheus\.q-[0-9a-f]{12}/g)].map((m) => m[0]))];
    // The status and the chart name the same query and unit: one shared probe.
    expect(ids).toHaveLength(1);
    const id = ids[0]!;
    const reading = await until("the ad hoc probe's reading", async () => {
      const r = await get(`/api/probes/${id}`);
      return r.status === 200 && typeof r.body.value === "number" ? r.body : null;
    });
    expect(reading).toMatchObject({ unit: "req/s", status: "ok" });
    // Prometheus has only seconds of this portal's history yet: wait for the first drawable points.
    const chart = await until("chart points", async () => {
      const c = await get(`/api/probes/${id}/history?range=5m&width=60`);
      return c.status === 200 && c.body.samples.length > 1 ? c : null;
    });
    expect(chart.body.step).toBe(5); // 300 s over 60 px
    expect(chart.body.samples.length, JSON.stringify(chart.body).slice(0, 400)).toBeGreaterThan(0);
    // The points are Prometheus' own range answer for the same window and step.
    const client = createPromClient({ url: prom.url, timeoutMs: 5000 });
    const direct = await client.queryRange('sum(rate(http_request_duration_seconds_count{job="opsdeck"}[1m]))', { start: new Date(chart.body.from), end: new Date(chart.body.to), stepSeconds: 5 });
    expect(chart.body.samples.map((s: { at: number; value: number }) => [s.at / 1000, s.value])).toEqual(direct[0]!.values.map(([t, v]) => [t, Number(v)]));
    expect((await get(`/api/probes/${id}/history?range=5m&width=3`)).status).toBe(400);
  }, 30_000);
});

describe.skipIf(!bins)("history loaded with promtool, and a Prometheus that hangs", () => {
  it("a chart's points equal the samples loaded with promtool tsdb create-blocks-from openmetrics", async () => {
    const dir = tmp("opsdeck-prom-range-");
    // Two hours of a gauge, one sample a minute, ending three hours ago (all in the backfilled blocks).
    const end = Math.floor(Date.now() / 3_600_000) * 3600 - 3 * 3600;
    const start = end - 2 * 3600;
    const points: [number, number][] = [];
    for (let t = start, i = 0; t < end; t += 60, i++) points.push([t, Math.round((Math.sin(i / 7) * 40 + 50) * 1000) / 1000]);
    const prom = await startPrometheus({ dir, targets: [], history: openMetrics([{ name: "opsdeck_seeded_gauge", labels: { job: "seed", shard: "a" }, points }]) });
    const env = await testPortal({ config: { app: { demo: false }, plugins: { prometheus: { url: prom.url, alerts: false, queries: { seeded: { promql: 'opsdeck_seeded_gauge{shard="a"}', unit: "orders" } } } } } });
    try {
      const history = await promqlHistory(env.portal.registry, "prometheus.seeded", {
        rangeMs: (end - start) * 1000,
        now: end * 1000,
        width: 120, // 2 h over 120 px: one point a minute, the loaded resolution
        thresholds: {},
      });
      expect(history).not.toBeNull();
      expect(history!.step).toBe(60);
      const loaded = new Map(points.map(([t, v]) => [t * 1000, v]));
      const drawn = history!.samples.filter((s) => loaded.has(s.at));
      expect(drawn.length).toBe(points.length);
      for (const s of drawn) expect(s.value).toBe(loaded.get(s.at));
      // Beyond the loaded end the chart has nothing to draw (Prometheus' 5 min lookback aside).
      expect(history!.samples.every((s) => s.at <= end * 1000 + 300_000)).toBe(true);

      // Millions of subquery steps over the loaded series: with 20 ms, Prometheus gives up itself.
      const hurried = await testPortal({
        config: { app: { demo: false }, plugins: { prometheus: { url: prom.url, timeout: "20ms", alerts: false, queries: { slow: { promql: "count_over_time(sum(opsdeck_seeded_gauge)[60d:1s])", timeout: "10s" } } } } },
      });
      try {
        const reading = await probeEngine(hurried.portal).reading("prometheus.slow");
        expect(reading.status, JSON.stringify(reading)).toBe("unknown");
        expect(reading.error).toMatch(/^timeout: query timed out in (expression evaluation|query execution)$/);
      } finally {
        await hurried.cleanup();
      }
    } finally {
      await env.cleanup();
      await prom.stop();
    }
  }, 120_000);

  it("the probe engine's own timeout holds when Prometheus never answers", async () => {
    const hung = http.createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => hung.listen(0, "127.0.0.1", r));
    const port = (hung.address() as { port: number }).port;
    const env = await testPortal({
      config: { app: { demo: false }, plugins: { prometheus: { url: `http://127.0.0.1:${port}`, timeout: "30s", alerts: false, queries: { hangs: { promql: "up", timeout: "300ms" } } } } },
    });
    try {
      const started = Date.now();
      const reading = await probeEngine(env.portal).reading("prometheus.hangs");
      expect(Date.now() - started).toBeLessThan(2000);
      expect(reading.status).toBe("unknown");
      expect(reading.error).toBe("timeout: no answer within 300 ms");
    } finally {
      await env.cleanup();
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  }, 30_000);
});

describe.skipIf(!bins)("alerts", () => {
  it("lists firing and pending alerts with since-when and labels, linking to the runbooks that name them", async () => {
    const dir = tmp("opsdeck-prom-alerts-");
    const rules = [
      "groups:",
      "  - name: t",
      "    rules:",
      "      - alert: WebhookErrorRatioHigh",
      "        expr: vector(0.04)",
      "        labels: { severity: warning, team: payments }",
      '        annotations: { summary: "Webhook errors above 2%" }',
      "      - alert: RefundSpike",
      "        expr: vector(5)",
      "        for: 1h",
      "        labels: { severity: critical }",
      "      - alert: NeverFires",
      "        expr: vector(1) == 2",
      "",
    ].join("\n");
    const prom = await startPrometheus({ dir, targets: [], rules, scrapeInterval: "1s" });
    const env = await testPortal({
      config: { app: { demo: false }, plugins: { prometheus: { url: prom.url } } },
      runbooks: {
        "payments/webhooks.md": "---\ntitle: Webhooks\nalert: WebhookErrorRatioHigh\n---\n# Webhooks\n",
        "billing.md": "---\ntitle: Billing\n---\n# Billing\n\n## RefundSpike\n\nLook at refunds.\n",
        "other.md": "# Other\n\nMentions RefundSpike in the text only.\n",
      },
    });
    try {
      const engine = probeEngine(env.portal);
      const reading = await until("both alerts", async () => {
        await engine.refresh("prometheus.alerts");
        const r = await engine.reading("prometheus.alerts");
        return r.rows?.length === 2 ? r : null;
      });
      expect(reading.value).toBe(1); // one firing; the other waits out its `for: 1h`
      expect(reading.status).toBe("warn"); // firing, but not of a critical severity
      expect(reading.summary).toBe("1 firing, 1 pending: WebhookErrorRatioHigh, RefundSpike");
      expect(reading.rows![0]).toMatchObject({ alert: "WebhookErrorRatioHigh", state: "firing", labels: "severity=warning, team=payments", summary: "Webhook errors above 2%", value: "0.04" });
      expect(reading.rows![0]!.since).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ s\)$/);
      expect(reading.rows![1]).toMatchObject({ alert: "RefundSpike", state: "pending", labels: "severity=critical" });
      expect(reading.links).toEqual([
        { label: "Runbooks for WebhookErrorRatioHigh", href: "/alerts/WebhookErrorRatioHigh" },
        { label: "Runbooks for RefundSpike", href: "/alerts/RefundSpike" },
      ]);

      const { runbooksForAlert } = await import("~/core/runbooks/alerts.server");
      const dirOf = env.portal.runbooksDir;
      expect(runbooksForAlert("WebhookErrorRatioHigh", dirOf)).toEqual([{ path: "payments/webhooks", title: "Webhooks", href: "/runbooks/payments/webhooks", match: "front matter" }]);
      expect(runbooksForAlert("RefundSpike", dirOf)).toEqual([{ path: "billing", title: "Billing", href: "/runbooks/billing#refundspike", match: "heading" }]);
      expect(runbooksForAlert("NeverFires", dirOf)).toEqual([]);
    } finally {
      await env.cleanup();
      await prom.stop();
    }
  }, 60_000);
});
