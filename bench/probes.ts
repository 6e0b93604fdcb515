// Live status figures, measured against a real started portal (the built server as its own
// process) whose http plugin watches a local upstream where every health endpoint takes 2 s.
//
// probe_page_ttfb_ms_p95         first byte of a runbook page with 20 status widgets (browser UA)
// probe_page_settled_ms          navigation → all 20 widgets filled, cold sources, in Chromium (median of 3 pages)
// probe_upstream_reads_per_interval  upstream reads per probe per probe interval while 100
//                                viewers keep the page open (live stream) and reload it every 10 s.
//                                Window shortened to 30 s with a 5 s interval (6 intervals), scheduler on.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";
import { signIn, startServer, type RunningServer } from "../tests/helpers/server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WIDGETS = 20;
const SOURCE_MS = 2000;
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const PASSWORD = "bench-password";

/** An upstream whose health endpoints each answer after 2 s; counts hits per path. */
async function slowUpstream() {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "healthy" })), SOURCE_MS);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function runbook(title: string, probeIds: string[]): string {
  return [`---`, `title: ${title}`, `plugins: [http]`, `---`, `## Status`, ``, ...probeIds.flatMap((id) => [`::status{probe="${id}"}`, ``])].join("\n");
}

async function portalWith(upstream: string, pages: Record<string, string[]>, checks: string[], probes: Record<string, unknown>, every: string): Promise<RunningServer & { runbooksDir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-probes-"));
  const runbooksDir = path.join(dir, "runbooks");
  fs.mkdirSync(runbooksDir);
  for (const [name, ids] of Object.entries(pages)) fs.writeFileSync(path.join(runbooksDir, `${name}.md`), runbook(name, ids));
  const config = {
    app: { demo: true },
    probes,
    plugins: { http: { checks: Object.fromEntries(checks.map((c) => [c, { url: `${upstream}/${c}`, expectJson: { status: "healthy" }, every, timeout: "5s" }])) } },
  };
  const server = await startServer({
    dir,
    config,
    runbooksDir,
    env: { OPSDECK_CWD: ROOT, OPSDECK_CONFIG: path.join(dir, "app-config.yaml"), OPSDECK_DATA_DIR: path.join(dir, "data"), OPSDECK_DEMO_PASSWORD: PASSWORD, LOG_LEVEL: "error" },
  });
  return Object.assign(server, { runbooksDir });
}

function ttfb(url: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { headers: { cookie, "user-agent": BROWSER_UA, accept: "text/html" } }, (res) => {
      res.once("data", () => {
        resolve(performance.now() - started);
        res.resume();
      });
      res.once("error", reject);
    });
    req.once("error", reject);
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Reads an SSE stream until `count` readings arrived; resolves with the open request. */
function openStream(url: string, cookie: string, count: number): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let done = false;
    const req = http.get(url, { headers: { cookie, accept: "text/event-stream", "user-agent": BROWSER_UA } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        seen += chunk.split("event: reading").length - 1;
        if (!done && seen >= count) {
          done = true;
          resolve({ close: () => req.destroy() });
        }
      });
      res.on("error", () => {});
    });
    req.on("error", (err) => (done ? undefined : reject(err)));
  });
}

async function pageFigures(): Promise<Record<string, number>> {
  const upstream = await slowUpstream();
  const pages: Record<string, string[]> = {};
  const checks: string[] = [];
  for (const name of ["warm", "cold-a", "cold-b", "cold-c"]) {
    pages[name] = Array.from({ length: WIDGETS }, (_, i) => `${name}-${i}`);
    checks.push(...pages[name]);
  }
  // Scheduler off so the cold pages really wait on their sources; 20 slots so one plugin's 20
  // probes can read in parallel (the default per-plugin limit is 4).
  const server = await portalWith(upstream.url, Object.fromEntries(Object.entries(pages).map(([k, v]) => [k, v.map((c) => `http.${c}`)])), checks, { sampling: false, concurrencyPerPlugin: WIDGETS }, "1m");
  try {
    const cookie = await signIn(server.baseUrl, "viewer", PASSWORD);
    for (let i = 0; i < 5; i++) await ttfb(`${server.baseUrl}/runbooks/warm`, cookie);
    const samples: number[] = [];
    for (let i = 0; i < 60; i++) samples.push(await ttfb(`${server.baseUrl}/runbooks/warm`, cookie));

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const settled: number[] = [];
    try {
      const context = await browser.newContext({ userAgent: BROWSER_UA });
      const [name, value] = cookie.split("=");
      await context.addCookies([{ name, value, url: server.baseUrl }]);
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/runbooks`); // warms the browser cache for the shared chunks
      for (const name of ["cold-a", "cold-b", "cold-c"]) {
        await page.goto(`${server.baseUrl}/runbooks/${name}`, { waitUntil: "commit" });
        await page.waitForFunction((n) => document.querySelectorAll('[data-widget="status"]:not([data-status="pending"])').length === n, WIDGETS, { timeout: 30_000, polling: 10 });
        settled.push(await page.evaluate(() => performance.now()));
        const filled = await page.locator('[data-widget="status"][data-status="ok"]').count();
        if (filled !== WIDGETS) throw new Error(`only ${filled} of ${WIDGETS} widgets show ok on ${name}`);
      }
    } finally {
      await browser.close();
    }
    return {
      probe_page_ttfb_ms_p95: Math.round(percentile(samples, 95) * 10) / 10,
      probe_page_settled_ms: Math.round(percentile(settled, 50)),
    };
  } finally {
    await server.stop();
    await upstream.stop();
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
}

async function upstreamFigure(): Promise<Record<string, number>> {
  const WINDOW_MS = 30_000;
  const EVERY_S = 5;
  const VIEWERS = 100;
  const upstream = await slowUpstream();
  const ids = Array.from({ length: WIDGETS }, (_, i) => `live-${i}`);
  const server = await portalWith(upstream.url, { live: ids.map((c) => `http.${c}`) }, ids, { sampling: true, concurrencyPerPlugin: WIDGETS }, `${EVERY_S}s`);
  try {
    const cookie = await signIn(server.baseUrl, "viewer", PASSWORD);
    const streamUrl = `${server.baseUrl}/api/probes/stream?${ids.map((c) => `v=${encodeURIComponent(`http.${c}`)}`).join("&")}`;
    // Let the first (cold) reads finish, then count from a clean slate.
    await openStream(streamUrl, cookie, WIDGETS).then((s) => s.close());
    upstream.hits.clear();
    const started = Date.now();
    let pageLoads = 0;
    const viewer = async (n: number) => {
      await new Promise((r) => setTimeout(r, (n * 97) % 10_000)); // viewers arrive spread over 10 s
      while (Date.now() - started < WINDOW_MS) {
        const res = await fetch(`${server.baseUrl}/runbooks/live`, { headers: { cookie, "user-agent": BROWSER_UA } });
        await res.text();
        pageLoads++;
        const stream = await openStream(streamUrl, cookie, WIDGETS);
        await new Promise((r) => setTimeout(r, Math.min(10_000, Math.max(0, WINDOW_MS - (Date.now() - started)))));
        stream.close();
      }
    };
    await Promise.all(Array.from({ length: VIEWERS }, (_, n) => viewer(n)));
    const elapsed = Date.now() - started;
    const reads = [...upstream.hits.values()].reduce((a, b) => a + b, 0);
    const intervals = elapsed / (EVERY_S * 1000);
    if (pageLoads < VIEWERS) throw new Error(`only ${pageLoads} page loads`);
    return { probe_upstream_reads_per_interval: Math.round((reads / WIDGETS / intervals) * 100) / 100 };
  } finally {
    await server.stop();
    await upstream.stop();
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, number>> {
  return { ...(await pageFigures()), ...(await upstreamFigure()) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(JSON.stringify(await run()));
}
