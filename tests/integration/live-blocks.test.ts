// Runbooks come alive as written (#20): ```sql fences run read-only through `supabase.query`,
// PromQL in the Prometheus-panels seed is recognised by Prometheus' own check and read through
// `prometheus.query`, both through the one action pipeline.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shopMetrics } from "../../demo/shop/metrics";
import { createWorld } from "../../demo/world";

import type { ServiceRef } from "../../plugins/plugin-api-services";
import { promqlRef, type PromqlService } from "../../plugins/prometheus/api";
import prometheus from "../../plugins/prometheus";
import { findPrometheus } from "../../plugins/prometheus/server";
import supabase from "../../plugins/supabase";
import { submitAction } from "~/core/actions/pipeline.server";
import type { User } from "~/core/auth.server";
import type { PluginRegistry } from "~/core/plugins/registry.server";
import type { Portal } from "~/core/portal.server";
import { resolveLiveBlocks } from "~/core/runbooks/live-blocks.server";
import { renderRunbook } from "~/core/runbooks/render.server";
import { testPortal, settleRun } from "../helpers/portal";
import { shopDatabase } from "../helpers/shop-postgres";
import { answerOf } from "../helpers/answer";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const KEY = "sb_secret_live_0123456789abcdef";
const responder: User = { id: "u_responder", username: "responder", displayName: null, roles: ["responder"], via: "session" };

// The seeds sit beside the checkout (`../shared/seeds` from the repository root).
const SEEDS = process.env.OPSDECK_SEEDS_DIR ?? path.resolve(__dirname, "../..", "../shared/seeds");
const seedsPresent = fs.existsSync(SEEDS) && fs.readdirSync(SEEDS).length > 0;
if (!seedsPresent) console.warn(`live-blocks: no seed runbooks at ${SEEDS} (set OPSDECK_SEEDS_DIR): the seed tests are skipped`);
const seedWith = (needle: RegExp) => {
  for (const f of seedsPresent ? fs.readdirSync(SEEDS).sort() : []) {
    const text = fs.readFileSync(path.join(SEEDS, f), "utf8");
    if (needle.test(text)) return { file: f, text };
  }
  return null;
};

const settle = (portal: Portal, runId: string, timeoutMs = 30_000) => settleRun(portal, runId, { timeoutMs: timeoutMs });

let key = 0;
async function press(portal: Portal, actionId: string, input: Record<string, unknown>) {
  const res = await answerOf(submitAction(portal, responder, actionId, { input, idempotencyKey: `live-test-${process.pid}-${++key}` }));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return settle(portal, String(res.body.runId));
}

const RUNBOOK = [
  "# Stuck orders",
  "",
  "Look at what is stuck:",
  "",
  "```sql",
  "select id, status from orders where status = 'paid' order by id",
  "```",
  "",
  "Roll back (never from the portal):",
  "",
  "```sql",
  "delete from orders where status = 'paid'",
  "```",
  "",
  "- Query: histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))",
  "- Restart the worker (see the deploy notes)",
  "- Check `sum(rate(webhook_events_total[5m]))` and `kubectl get pods`",
  "",
].join("\n");

describe("```sql blocks through supabase.query", () => {
  let db: Awaited<ReturnType<typeof shopDatabase>>;
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    db = await shopDatabase();
    t = await testPortal({ plugins: [supabase], config: { plugins: { supabase: { url: "http://127.0.0.1:1", serviceRoleKey: KEY, ...db.supabase } } } });
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
    await db?.drop();
  });

  it("marks both fences runnable; the select returns rows, audited with the query text and row count", async () => {
    const rendered = renderRunbook(RUNBOOK, { file: "stuck.md" });
    const live = await resolveLiveBlocks(rendered.live, t.portal.registry);
    expect(live.sql.available).toBe(true);
    const sqlBlocks = live.blocks.filter((b) => b.kind === "sql");
    expect(sqlBlocks.map((b) => b.query)).toEqual(["select id, status from orders where status = 'paid' order by id", "delete from orders where status = 'paid'"]);
    // The marks are in the HTML the page shows.
    const html = rendered.blocks.map((b) => (b.type === "html" ? b.html : "")).join("");
    for (const b of sqlBlocks) expect(html).toContain(`data-live-id="${b.id}"`);

    const expected = db.psql("select count(*) from orders where status = 'paid'");
    const run = await press(t.portal, "supabase.query", { sql: sqlBlocks[0]!.query });
    expect(run.status).toBe("succeeded");
    const result = run.result as { rows: Record<string, unknown>[]; data: { rowCount: number; fields: string[]; readAt: string } };
    expect(result.rows.length).toBe(Number(expected));
    expect(result.rows.length).toBeGreaterThan(0);
    expect(result.data.fields).toEqual(["id", "status"]);
    expect(Date.parse(result.data.readAt)).toBeGreaterThan(Date.now() - 60_000);
    const audit = await t.portal.store.db.selectFrom("audit_entries").selectAll().where("run_id", "=", run.runId).orderBy("seq").execute();
    const done = audit.find((a) => a.outcome === "succeeded")!;
    expect(done.action).toBe("supabase.query");
    expect(done.details).toContain("select id, status from orders");
    expect(JSON.parse(done.details).summary).toMatch(new RegExp(`^${expected} row\\(s\\)`));
    expect(audit.find((a) => a.outcome === "started")!.details).toContain("select id, status from orders");
  });

  it("refuses a delete before it reaches the database, says so with a 400, and changes nothing", async () => {
    const before = db.psql("select count(*) from orders");
    const res = await answerOf(submitAction(t.portal, responder, "supabase.query", { input: { sql: "delete from orders where status = 'paid'" }, idempotencyKey: `live-delete-${process.pid}` }));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("refused: DELETE is not allowed in a read-only query (only SELECT, VALUES, SHOW and EXPLAIN)");
    expect(db.psql("select count(*) from orders")).toBe(before);
    expect(Number(before)).toBeGreaterThan(0);
  });

  it("refuses an empty statement with a 400 naming the field", async () => {
    const res = await answerOf(submitAction(t.portal, responder, "supabase.query", { input: { sql: "  " }, idempotencyKey: "live-empty-sql-1" }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("the statement is empty");
  });
});

const bins = findPrometheus();
const panels = seedWith(/histogram_quantile/);

describe.skipIf(!bins)("PromQL in the demo world's Prometheus", () => {
  let world: Awaited<ReturnType<typeof createWorld>>;
  let demo: Awaited<ReturnType<NonNullable<typeof prometheus.demo>>>;
  let t: Awaited<ReturnType<typeof testPortal>>;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-live-prom-"));
    world = await createWorld({ dataDir: path.join(dataDir, "world"), log: quiet, portalUrl: "http://127.0.0.1:9" });
    await shopMetrics.start(world.world);
    demo = await prometheus.demo!({ dataDir, log: quiet, world: world.world });
    await world.world.get<Promise<unknown>>("prometheus.ready");
    t = await testPortal({ plugins: [prometheus], config: { plugins: { prometheus: demo.config } } });
  }, 120_000);
  afterAll(async () => {
    await t?.cleanup();
    await demo?.stop();
    await world?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("recognises PromQL by Prometheus' own check, not by shape: prose and shell stay plain", async () => {
    const rendered = renderRunbook(RUNBOOK, { file: "stuck.md" });
    const live = await resolveLiveBlocks(rendered.live, t.portal.registry);
    expect(live.blocks.filter((b) => b.kind === "promql").map((b) => [b.at, b.query])).toEqual([
      ["li", "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))"],
      ["code", "sum(rate(webhook_events_total[5m]))"],
    ]);
    // No sql service here: the fences get no button.
    expect(live.sql.available).toBe(false);
    expect(live.blocks.some((b) => b.kind === "sql")).toBe(false);
  });

  it("caches the verdict per query text: the second view does not ask Prometheus again", async () => {
    // The portal's own registry (actions, configs, every service) with only Prometheus' check counted.
    const real = t.portal.registry;
    const service = real.services.get(promqlRef)!;
    let checks = 0;
    const countingPromql: PromqlService = { ...service, check: (q, s) => (checks++, service.check(q, s)) };
    const counting: PluginRegistry = {
      ...real,
      services: {
        get: <T,>(ref: ServiceRef<T, boolean>, pluginId?: string) => (ref.id === promqlRef.id ? (countingPromql as T) : real.services.get(ref, pluginId)),
        all: (ref) => real.services.all(ref),
      },
    };
    const rendered = renderRunbook("- Query: sum(rate(webhook_events_total[7m]))\n- also `sum(rate(webhook_events_total[7m]))`\n", { file: "c.md" });
    const first = await resolveLiveBlocks(rendered.live, counting);
    const second = await resolveLiveBlocks(rendered.live, counting);
    expect(checks).toBeLessThanOrEqual(1);
    // Both views offer both mentions, each run through prometheus.query (the registry's actions read too).
    for (const view of [first, second]) {
      expect(view.blocks.map((b) => [b.kind, b.query, b.runs?.action])).toEqual([
        ["promql", "sum(rate(webhook_events_total[7m]))", "prometheus.query"],
        ["promql", "sum(rate(webhook_events_total[7m]))", "prometheus.query"],
      ]);
    }
  });

  it.skipIf(!panels)("every PromQL query in the Prometheus-panels seed is runnable and returns a value", async () => {
    const rendered = renderRunbook(panels!.text, { file: panels!.file.replace(/\.txt$/, ".md") });
    const live = await resolveLiveBlocks(rendered.live, t.portal.registry);
    const promql = live.blocks.filter((b) => b.kind === "promql");
    // The seed's panels: every "Query:" line that is PromQL (the Mongo ones are not), and the
    // alert conditions written as PromQL; prose that only names a metric is not offered.
    const written = [...panels!.text.matchAll(/Query:\s*(histogram_quantile\(.+\))\s*$/gm)].map((m) => m[1]!.trim());
    expect(written.length).toBeGreaterThan(0);
    expect(promql.map((b) => b.query)).toEqual(expect.arrayContaining(written));
    expect(live.blocks.some((b) => /countDocuments|db\.orders|derived from|spikes|baseline/.test(b.query))).toBe(false);
    expect(promql.length).toBeGreaterThan(written.length);
    for (const b of promql) {
      const run = await press(t.portal, "prometheus.query", { promql: b.query });
      expect(run.status, b.query).toBe("succeeded");
      // An alert condition that is not met now shows its left side's value and says so.
      const rows = (run.result as { rows: { value: number | null; met?: boolean }[] }).rows;
      expect(rows.length, b.query).toBeGreaterThan(0);
      expect(typeof rows[0]!.value, b.query).toBe("number");
      const chart = await press(t.portal, "prometheus.query", { promql: b.query, range: "24h" });
      expect(chart.status).toBe("succeeded");
      expect((chart.result as { data: { series: unknown[] } }).data.series.length).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe("health URLs: only hosts on runbooks.liveHosts get Check now", () => {
  it("offers Check now on the allow-listed host only; the other server never sees a request", async () => {
    const http = await import("node:http");
    const counting = async () => {
      const s = { hits: 0, server: http.createServer((_req, res) => {
        s.hits++;
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      }) };
      await new Promise<void>((r) => s.server.listen(0, "127.0.0.1", r));
      return Object.assign(s, { port: (s.server.address() as { port: number }).port });
    };
    const allowed = await counting();
    const other = await counting();
    const runbook = [
      "# Health",
      "",
      "```bash",
      `curl -fsS http://127.0.0.1:${allowed.port}/api/health`,
      "```",
      "",
      `- Also: http://localhost:${other.port}/api/health`,
      `- Or \`http://127.0.0.1:${other.port}/healthz\``,
      "",
    ].join("\n");
    const httpPlugin = (await import("../../plugins/http")).default;
    const t = await testPortal({ plugins: [httpPlugin], runbooks: { "health.md": runbook }, config: { runbooks: { liveHosts: [`127.0.0.1:${allowed.port}`] }, plugins: { http: {} } } });
    try {
      const { liveBlocksOf, checkHealthBlock } = await import("~/core/runbooks/live-page.server");
      const opts = { dir: path.join(t.dir, "runbooks"), liveHosts: t.portal.config.runbooks.liveHosts };
      const rendered = renderRunbook(runbook, { file: "health.md" });
      const health = rendered.live.filter((c) => c.kind === "health");
      expect(health.map((c) => c.query)).toEqual([`http://127.0.0.1:${allowed.port}/api/health`, `http://localhost:${other.port}/api/health`, `http://127.0.0.1:${other.port}/healthz`]);
      const live = (await liveBlocksOf("health", t.portal.registry, opts))!;
      expect(live.blocks.filter((b) => b.kind === "health").map((b) => b.query)).toEqual([`http://127.0.0.1:${allowed.port}/api/health`]);
      const ok = await checkHealthBlock("health", health[0]!.id, t.portal.registry, opts);
      expect(ok.status).toBe("ok");
      expect(allowed.hits).toBe(1);
      for (const c of health.slice(1)) await expect(checkHealthBlock("health", c.id, t.portal.registry, opts)).rejects.toThrow(/not a health URL on an allow-listed host/);
      // Without an allow-list nothing is offered at all.
      const none = (await liveBlocksOf("health", t.portal.registry, { dir: opts.dir, liveHosts: [] }))!;
      expect(none.blocks.some((b) => b.kind === "health")).toBe(false);
      await expect(checkHealthBlock("health", health[0]!.id, t.portal.registry, { dir: opts.dir, liveHosts: [] })).rejects.toThrow(/allow-listed/);
      expect(other.hits).toBe(0);
      expect(allowed.hits).toBe(1);
    } finally {
      await t.cleanup();
      allowed.server.close();
      other.server.close();
    }
  });
});
