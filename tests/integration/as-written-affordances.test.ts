// Runbooks as written, part two (#33): no false affordances. Prose that merely looks like a path,
// a key or a query offers nothing; legacy HTML renders as GitHub renders it; e-mail autolinks
// follow GFM; links to missing sibling runbooks are marked; `--suggest` sees top-level fences.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shopMetrics } from "../../demo/shop/metrics";
import { createWorld } from "../../demo/world";
import http from "node:http";
import type { AddressInfo } from "node:net";
import firestore from "../../plugins/firestore";
import httpPlugin from "../../plugins/http";
import prometheus from "../../plugins/prometheus";
import { findPrometheus } from "../../plugins/prometheus/server";
import { resolveLiveBlocks } from "~/core/runbooks/live-blocks.server";
import { httpCheckRef } from "../../plugins/http/api";
import { renderRunbook } from "~/core/runbooks/render.server";
import { loadRunbook } from "~/core/runbooks/runbooks.server";
import { findRunbookFile } from "~/core/runbooks/source.server";
import { suggestForText } from "~/core/runbooks/suggest.server";
import { testPortal } from "../helpers/portal";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const NEGATIVES = fs.readFileSync(path.resolve(__dirname, "../fixtures/as-written/prose-negatives.md"), "utf8");
const html = (r: ReturnType<typeof renderRunbook>) => r.blocks.map((b: any) => b.html ?? "").join("\n");

describe("rendering as GitHub does", () => {
  it("<nobr>, <center> and <font> show their content without tags and are not placeholders", () => {
    const r = renderRunbook("Run <nobr>make deploy</nobr> from <center>root</center> in <font color=\"red\">red</font>; <tt>tt</tt> stays.\n", { file: "a.md" });
    const out = html(r);
    expect(out).toContain("make deploy");
    expect(out).toContain("root");
    expect(out).not.toMatch(/&lt;\/?(nobr|center|font)/);
    expect(out).not.toMatch(/<\/?(nobr|center|font)\b/);
    expect(out).toMatch(/<tt>tt<\/tt>/);
    expect(r.placeholders).toEqual([]);
    // A word in angle brackets that is no element is still a placeholder, kept as written.
    expect(renderRunbook("Upload to gs://<bucket>/dump\n", { file: "a.md" }).placeholders.map((p) => p.text)).toEqual(["<bucket>"]);
  });

  it("an e-mail autolink needs a domain ending in a letter, not cut out of a longer word", () => {
    const out = html(renderRunbook("Install some-cli@1.2.3, mail ops@example.com, not x@y.io_ or a@b.c-d1\n", { file: "a.md" }));
    expect(out).toContain('href="mailto:ops@example.com"');
    expect(out).not.toContain("mailto:some-cli");
    expect(out).not.toContain("mailto:x@");
    expect(out).not.toContain("mailto:a@");
    expect(out).toContain("some-cli@1.2.3");
  });

  it("a link to a missing sibling runbook is marked like a link out of the folder; an existing one stays a link", () => {
    const text = "See [the restore](./restore.md), [the missing one](missing.md#step-2) and [up](../outside.md).\n";
    const r = renderRunbook(text, { file: "ops/a.md", exists: (f) => f === "ops/restore.md" });
    const out = html(r);
    expect(out).toContain('href="/runbooks/ops/restore"');
    expect(out).not.toContain('href="/runbooks/ops/missing');
    expect(out).toMatch(/class="link-outside link-missing"[^>]*>the missing one<small[^>]*> \(no such runbook\)/);
    // Without the option (no folder to ask), links are left as they were.
    expect(html(renderRunbook(text, { file: "ops/a.md" }))).toContain('href="/runbooks/ops/missing#step-2"');
  });

  it("a loaded runbook asks its folder which siblings exist", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-siblings-"));
    try {
      fs.mkdirSync(path.join(dir, "ops"));
      fs.writeFileSync(path.join(dir, "ops/a.md"), "# A\n\nSee [B](b.md) and [gone](gone.md).\n");
      fs.writeFileSync(path.join(dir, "ops/b.md"), "# B\n");
      const out = html(loadRunbook(findRunbookFile(dir, "ops/a")!).rendered);
      expect(out).toContain('href="/runbooks/ops/b"');
      expect(out).toMatch(/class="link-outside link-missing"[^>]*>gone</);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a top-level fence carries its block's source lines (the suggestion needs them)", () => {
    const r = renderRunbook("# T\n\nText.\n\n```promql\nsum(rate(http_requests_total[5m]))\n```\n\nMore.\n", { file: "a.md" });
    expect(r.live).toEqual([expect.objectContaining({ kind: "promql", at: "pre", line: 5, block: { start: 5, end: 7, tag: "pre" } })]);
  });

  it("a sentence's full stop is not part of the PromQL asked about", () => {
    const r = renderRunbook("- Error rate: sum(rate(http_requests_total{code=~\"5..\"}[5m])).\n", { file: "a.md" });
    expect(r.live.map((c) => c.query)).toEqual(['sum(rate(http_requests_total{code=~"5.."}[5m]))']);
  });
});

describe("Firestore paths against the demo's firestore plugin", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({ plugins: [firestore] });
  }, 60_000);
  afterAll(async () => t?.cleanup());

  it("prose paths are offered only under a known collection; in code a path is meant as one", async () => {
    const text = "Check opsHealth/autoReleaseProtected first, then auth/rate-limit and ratelimit/user-123 notes; `orders/wx-1035` holds it.\n";
    const r = renderRunbook(text, { file: "a.md" });
    expect(r.live.map((c) => `${c.kind}@${c.at}:${c.query}`)).toEqual([
      "firestore@text:opsHealth/autoReleaseProtected",
      "firestore@text:auth/rate-limit",
      "firestore@text:ratelimit/user-123",
      "firestore@code:orders/wx-1035",
    ]);
    const live = await resolveLiveBlocks(r.live, t.portal.registry);
    expect(live.blocks.map((b) => b.query)).toEqual(["opsHealth/autoReleaseProtected", "orders/wx-1035"]);
  });

  it("the prose-only negatives offer nothing", async () => {
    const live = await resolveLiveBlocks(renderRunbook(NEGATIVES, { file: "neg.md" }).live, t.portal.registry);
    expect(live.blocks).toEqual([]);
  });
});

const bins = findPrometheus();
describe.skipIf(!bins)("PromQL against the demo world's Prometheus", () => {
  let world: Awaited<ReturnType<typeof createWorld>>;
  let demo: Awaited<ReturnType<NonNullable<typeof prometheus.demo>>>;
  let t: Awaited<ReturnType<typeof testPortal>>;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-as-written-"));
    world = await createWorld({ dataDir: path.join(dataDir, "world"), log: quiet, portalUrl: "http://127.0.0.1:9" });
    await shopMetrics.start(world.world);
    demo = await prometheus.demo!({ dataDir, log: quiet, world: world.world });
    await world.world.get<Promise<unknown>>("prometheus.ready");
    t = await testPortal({ plugins: [prometheus, firestore], config: { plugins: { prometheus: demo.config } } });
  }, 120_000);
  afterAll(async () => {
    await t?.cleanup();
    await demo?.stop();
    await world?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("the prose-only negatives offer nothing, Prometheus asked", async () => {
    const r = renderRunbook(NEGATIVES, { file: "neg.md" });
    const live = await resolveLiveBlocks(r.live, t.portal.registry);
    expect(live.promql.available).toBe(true);
    expect(live.blocks).toEqual([]);
  });

  it("a metric selector named in prose is offered at its first mention; the item's whole query wins when Prometheus accepts it", async () => {
    const text = [
      "- webhook_failures_total (derive from webhook_events_total{status=\"error\"})",
      "- Metric: invoice_issue_total{status=\"failure\"} increasing.",
      "- webhook_events_total{status=\"error\"} spikes.",
      "- Retries: sum(webhook_events_total{status=\"retry\"})",
      "",
      "When invoice_issue_total{status=\"success\"} increases, the provider is back.",
      "",
    ].join("\n");
    const r = renderRunbook(text, { file: "m.md" });
    const live = await resolveLiveBlocks(r.live, t.portal.registry);
    // A selector's buttons name it (label); a whole item's query needs no name.
    expect(live.blocks.map((b) => [b.kind, b.at, b.query, b.label])).toEqual([
      ["promql", "li", 'webhook_events_total{status="error"}', 'webhook_events_total{status="error"}'],
      ["promql", "li", 'invoice_issue_total{status="failure"}', 'invoice_issue_total{status="failure"}'],
      // The third item names the first item's selector again: not offered twice. The fourth runs as a whole.
      ["promql", "li", 'sum(webhook_events_total{status="retry"})', undefined],
      ["promql", "text", 'invoice_issue_total{status="success"}', 'invoice_issue_total{status="success"}'],
    ]);
    // Prometheus refused the items as a whole (prose words after the selector): said for the author, no button.
    expect(live.refused.map((x) => x.query)).toEqual(expect.arrayContaining(['webhook_failures_total (derive from webhook_events_total{status="error"})', 'webhook_events_total{status="error"} spikes']));
  });

  it("a runnable block names the action it files and that action's risk (the page shows the role it needs)", async () => {
    const live = await resolveLiveBlocks(renderRunbook("```promql\nsum(rate(http_requests_total[5m]))\n```\n", { file: "r.md" }).live, t.portal.registry);
    expect(live.blocks).toEqual([expect.objectContaining({ kind: "promql", runs: { action: "prometheus.query", risk: t.portal.registry.actions.get("prometheus.query")!.risk } })]);
  });

  it("--suggest sees a top-level ```promql fence and PromQL ending a sentence", async () => {
    const text = "# Latency\n\nThe rate:\n\n```promql\nsum(rate(http_requests_total[5m])) by (code)\n```\n\n- Errors: sum(rate(http_requests_total{code=~\"5..\"}[5m])).\n";
    const s = await suggestForText(text, "lat.md", t.portal.registry);
    expect(s.map((x) => `${x.line}/${x.after}: ${x.directive}`)).toEqual([
      '5/7: ::chart{promql="sum(rate(http_requests_total[5m])) by (code)" range="24h"}',
      "9/9: ::chart{promql='sum(rate(http_requests_total{code=~\"5..\"}[5m]))' range=\"24h\"}",
    ]);
  });
});

describe("health curls on the host of a configured http check", () => {
  let server: http.Server;
  let base: string;
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(req.url === "/api/health" ? 200 : 404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ status: "ok" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await testPortal({ plugins: [httpPlugin], config: { plugins: { http: { checks: { shop: { url: `${base}/api/health` } } } } } });
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
    server?.close();
  });

  it("a curl of that host is live without runbooks.liveHosts, another host is not, and the check answers", async () => {
    const text = ["```bash", `curl -X GET ${base}/api/health`, "curl https://elsewhere.example.com/api/health", "```", ""].join("\n");
    const live = await resolveLiveBlocks(renderRunbook(text, { file: "h.md" }).live, t.portal.registry, { liveHosts: [] });
    expect(live.blocks.map((b) => `${b.kind} ${b.query}`)).toEqual([`health ${base}/api/health`]);
    const reading = await t.portal.registry.services.get(httpCheckRef)!.check(live.blocks[0]!.query, AbortSignal.timeout(5_000));
    expect(reading.status ?? "ok").toBe("ok"); // the page shows no status as ok (checkHealthBlock)
    expect(reading.value).not.toBeNull();
  });
});
