// Live viewers at scale, measured against a real started portal (the built server as its own
// process; `npx remix build` first) whose http plugin watches a local upstream.
//
// sse_viewers_1k_rss_mb               growth of the server's resident memory (VmRSS, MB) with 1,000
//                                     open probe streams (each watching 5 of 10 probes, 20 sessions):
//                                     the peak, sampled every second over the window, minus the
//                                     warmed-up baseline. Goal ≤ 150.
// sse_upstream_reads_per_interval_1k  upstream reads per probe per probe interval while those 1,000
//                                     streams stay open (6 intervals of 5 s). Goal 1.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { signIn, startServer } from "../tests/helpers/server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VIEWERS = 1000;
const PROBES = 10;
const PER_VIEWER = 5;
const SESSIONS = 20;
const EVERY_S = 5;
const INTERVALS = 6;
const PASSWORD = "bench-password";

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error("no VmRSS for the server process");
  return Number(m[1]) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<Record<string, number>> {
  const hits = new Map<string, number>();
  const upstream = http.createServer((req, res) => {
    const p = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "healthy" }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-sse-"));
  const checks = Array.from({ length: PROBES }, (_, i) => `c${i}`);
  const server = await startServer({
    dir,
    config: {
      app: { demo: true },
      plugins: { http: { checks: Object.fromEntries(checks.map((c) => [c, { url: `${upstreamUrl}/${c}`, expectJson: { status: "healthy" }, every: `${EVERY_S}s`, timeout: "5s" }])) } },
    },
    env: { OPSDECK_CWD: ROOT, OPSDECK_CONFIG: path.join(dir, "app-config.yaml"), OPSDECK_DATA_DIR: path.join(dir, "data"), OPSDECK_DEMO_PASSWORD: PASSWORD, LOG_LEVEL: "error" },
  });
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const open: http.ClientRequest[] = [];
  try {
    const cookies: string[] = [];
    for (let i = 0; i < SESSIONS; i++) cookies.push(await signIn(server.baseUrl, i % 2 ? "viewer" : "responder", PASSWORD));
    // Warm the process (one stream, every probe read once) before the baseline.
    const warm = await fetch(`${server.baseUrl}/api/probes`, { headers: { cookie: cookies[0] } });
    await warm.text();
    await sleep(2000);
    const baseline = rssMb(server.child.pid!);

    let ready = 0;
    const port = server.port;
    for (let i = 0; i < VIEWERS; i++) {
      const views = Array.from({ length: PER_VIEWER }, (_, k) => `v=http.${checks[(i + k) % PROBES]}`).join("&");
      await new Promise<void>((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port, path: `/api/probes/stream?${views}`, headers: { cookie: cookies[i % SESSIONS] }, agent }, (res) => {
          if (res.statusCode !== 200) return reject(new Error(`stream ${i}: HTTP ${res.statusCode}`));
          let counted = false;
          res.on("data", (chunk: Buffer) => {
            if (!counted && chunk.includes("event: reading")) {
              counted = true;
              ready++;
            }
          });
          res.on("error", () => {});
          resolve();
        });
        req.on("error", reject);
        open.push(req);
      });
    }
    const deadline = Date.now() + 60_000;
    while (ready < VIEWERS && Date.now() < deadline) await sleep(200);
    if (ready < VIEWERS) throw new Error(`only ${ready} of ${VIEWERS} streams received a reading`);

    // Count upstream reads over whole intervals with every stream open.
    hits.clear();
    const started = Date.now();
    let peak = 0;
    while (Date.now() - started < INTERVALS * EVERY_S * 1000) {
      await sleep(1000);
      peak = Math.max(peak, rssMb(server.child.pid!));
    }
    const elapsed = Date.now() - started;
    const reads = [...hits.values()].reduce((a, b) => a + b, 0);
    const alive = open.filter((r) => !r.destroyed).length;
    if (alive < VIEWERS) throw new Error(`${VIEWERS - alive} streams closed during the window`);
    const growth = rssMb(server.child.pid!) - baseline;
    console.error(`bench sse: baseline ${baseline.toFixed(1)} MB, with ${VIEWERS} streams ${(baseline + growth).toFixed(1)} MB (peak ${peak.toFixed(1)} MB), ${reads} upstream reads for ${PROBES} probes in ${(elapsed / 1000).toFixed(1)} s`);
    return {
      sse_viewers_1k_rss_mb: Math.round((peak - baseline) * 10) / 10,
      sse_upstream_reads_per_interval_1k: Math.round((reads / PROBES / (elapsed / (EVERY_S * 1000))) * 100) / 100,
    };
  } finally {
    for (const r of open) r.destroy();
    agent.destroy();
    await server.stop();
    await new Promise<void>((r) => (upstream.closeAllConnections(), upstream.close(() => r())));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
