// Cron ping intake, measured against a real started portal (the built server as its own process)
// on SQLite: jobs send start/success pairs paired by rid, as fast as 8 concurrent senders can
// (more senders only queue: the p99 would measure the queue, not a ping).
//
// cron_ping_per_s     pings answered 200 and stored per second, sustained over 10 s
// cron_ping_ms_p99    99th percentile of one ping's round trip (ms) during that load
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { startServer } from "../tests/helpers/server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TOKEN = "bench-ping-token-0123456789";
const JOBS = 20;
const CONCURRENCY = 8;
const DURATION_MS = 10_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function run(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-cron-"));
  const jobs = Object.fromEntries(Array.from({ length: JOBS }, (_, i) => [`job-${i}`, { schedule: "* * * * *", grace: "5m" }]));
  const server = await startServer({
    dir,
    config: { app: { demo: false }, plugins: { cron: { pingToken: TOKEN, jobs } } },
    env: { OPSDECK_CONFIG: path.join(dir, "app-config.yaml"), SESSION_SECRET: "bench-session-secret-0123456789", DATABASE_URL: path.join(dir, "bench.sqlite"), OPSDECK_DATA_DIR: path.join(dir, "data"), LOG_LEVEL: "error" },
  });
  let firstError = "";
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const send = (p: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.baseUrl}${p}`, { method: "POST", agent, headers: { authorization: `Bearer ${TOKEN}`, "content-length": "0" } }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => {
          if (res.statusCode !== 200 && !firstError) firstError = `${p} → ${res.statusCode} ${body.slice(0, 300)}`;
          resolve(res.statusCode ?? 0);
        });
      });
      req.on("error", reject);
      req.end();
    });
  try {
    // Warm-up: first requests load route modules.
    for (let i = 0; i < 50; i++) await send(`/api/cron/job-${i % JOBS}/success`);
    const latencies: number[] = [];
    let accepted = 0;
    let refused = 0;
    const statuses: Record<number, number> = {};
    const started = performance.now();
    const deadline = started + DURATION_MS;
    const sender = async (n: number) => {
      let k = 0;
      while (performance.now() < deadline) {
        const job = `job-${(n + k++) % JOBS}`;
        const rid = crypto.randomUUID();
        for (const kind of ["start", "success"]) {
          const t0 = performance.now();
          const status = await send(`/api/cron/${job}/${kind}?rid=${rid}`);
          latencies.push(performance.now() - t0);
          if (status === 200) accepted++;
          else {
            refused++;
            statuses[status] = (statuses[status] ?? 0) + 1;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, n) => sender(n)));
    const seconds = (performance.now() - started) / 1000;
    if (refused) throw new Error(`${refused} pings were not accepted: ${JSON.stringify(statuses)}; first: ${firstError}`);
    // Every accepted ping is stored: starts as runs, successes closing them.
    const db = new Database(path.join(dir, "bench.sqlite"), { readonly: true });
    const row = db.prepare("select count(*) as runs, sum(case when outcome = 'success' and rid is not null then 1 else 0 end) as closed from cron_runs").get() as { runs: number; closed: number };
    db.close();
    const stored = row.runs + row.closed - 50; // the warm-up's 50 runs are successes without a start
    if (stored !== accepted) throw new Error(`accepted ${accepted} pings but stored ${stored}`);
    return { cron_ping_per_s: Math.round(accepted / seconds), cron_ping_ms_p99: Math.round(percentile(latencies, 99) * 10) / 10 };
  } finally {
    agent.destroy();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
