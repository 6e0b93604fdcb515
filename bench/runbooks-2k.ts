// Figures at 2,000 runbooks (a generated collection of GitLab-like shapes, bench/corpus-2k.ts),
// measured in a child process of its own so that its start and memory are its own: the portal is
// booted as a team with 2,000 runbooks runs it (its own config, no demo world, no background
// steps, a throwaway SQLite database, a viewer made as `npm run user` makes one) with
// OPSDECK_RUNBOOKS_DIR pointing at the collection, and with the V8 heap cap `npm start` sets
// (OPSDECK_HEAP_MB, 512 MB). The demo world's sandboxes (an in-process PostgreSQL, the Firestore
// emulator, …) are not part of a team's portal: in demo mode the same run peaks ~190 MB higher.
//
// runbooks_2k_start_s        process start (modules loaded through tsx) → portal booted, the
//                            first /runbooks page answered and the first search answered
// runbooks_2k_index_ms_p95   the /runbooks route's loader as a signed-in viewer: pages 1–40,
//                            with and without a query (200 requests, p95)
// runbooks_2k_search_ms_p95  searchRunbooks over the 2,000 (on-call phrasings, 200 queries, p95)
// runbooks_2k_rss_mb         peak resident memory, sampled every 50 ms from boot through the
//                            requests above and 400 runbook pages opened (getRunbook, random order)
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeCorpus } from "./corpus-2k";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HERE = fileURLToPath(import.meta.url);

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]! * 100) / 100;
}

const QUERIES = ["postgres replication lag", "redis memory", "pgbouncer", "restart gateway", "failover", "certificate expiry", "queue backlog", "kubectl", "rollback", "vacuum", "stripe.webhook-backlog", "disk ful", "elasticsearch reindex", "billing"];

async function child(dir: string): Promise<void> {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const pino = (await import("pino")).default;
  const { bootPortal } = await import("~/core/boot.server");
  const { createOrUpdateUser, login, sessionCookie } = await import("~/core/auth.server");
  const { getRunbook, searchRunbooks } = await import("~/core/runbooks/runbooks.server");
  const { scanRunbooks } = await import("~/core/runbooks/source.server");
  const { loader } = await import("~/routes/runbooks._index");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-2k-"));
  fs.writeFileSync(path.join(tmp, "app-config.yaml"), "app:\n  demo: false\n");
  const portal = await bootPortal({
    cwd: tmp,
    env: { ...process.env, OPSDECK_RUNBOOKS_DIR: dir, OPSDECK_DATA_DIR: path.join(tmp, "data"), SESSION_SECRET: "bench-only-session-secret-0123456789" },
    databaseUrl: path.join(tmp, "bench.sqlite"),
    // The scheduler's steps would measure probe rounds, not the runbooks.
    background: false,
    log: pino({ level: "error" }),
  });
  try {
    await createOrUpdateUser(portal.store, { username: "viewer", password: "bench-only-password", roles: ["viewer"] });
    const signedIn = await login(portal.store, portal.config, { username: "viewer", password: "bench-only-password", address: "127.0.0.1" });
    if (!signedIn.ok) throw new Error("bench: the viewer could not sign in");
    const request = (url: string) => {
      const headers = new Headers({ "x-opsdeck-peer": "127.0.0.1", "x-opsdeck-proto": "http" });
      const r = new Request(new URL(url, "http://localhost"), { headers });
      headers.set("cookie", sessionCookie(r, signedIn.token, 60).split(";")[0]!);
      return new Request(r.url, { headers });
    };
    const indexPage = async (url: string) => {
      const started = performance.now();
      const res = (await loader({ request: request(url), params: {}, context: {} } as never)) as Response;
      if (res.status !== 200) throw new Error(`bench: ${url} answered ${res.status}`);
      const body = (await res.json()) as { total: number };
      if (body.total < 2000) throw new Error(`bench: /runbooks listed ${body.total} runbooks`);
      return performance.now() - started;
    };
    await indexPage("/runbooks");
    if (!searchRunbooks("postgres").results.length) throw new Error("bench: a search found nothing");
    const startS = performance.now() / 1000;

    const index: number[] = [];
    for (let i = 0; i < 200; i++) index.push(await indexPage(i % 2 ? `/runbooks?page=${1 + (i % 40)}` : `/runbooks?q=${encodeURIComponent(QUERIES[i % QUERIES.length]!)}`));
    const search: number[] = [];
    for (let i = 0; i < 200; i++) search.push(searchRunbooks(QUERIES[i % QUERIES.length]!).tookMs);

    const files = scanRunbooks(dir);
    let seed = 7;
    for (let i = 0; i < 400; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const f = files[seed % files.length]!;
      if (!getRunbook(f.path)) throw new Error(`bench: ${f.path} did not open`);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    clearInterval(sampler);
    process.stdout.write(
      `${JSON.stringify({
        runbooks_2k_start_s: Math.round(startS * 10) / 10,
        runbooks_2k_index_ms_p95: p95(index),
        runbooks_2k_search_ms_p95: p95(search),
        runbooks_2k_rss_mb: Math.round(peak / 1024 / 1024),
      })}\n`,
    );
  } finally {
    await portal.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-corpus-2k-"));
  try {
    const stats = writeCorpus(dir);
    console.error(`bench runbooks-2k: corpus of ${stats.files} files, ${(stats.bytes / 1e6).toFixed(1)} MB (median ${stats.medianBytes} B, ${stats.minBytes}–${stats.maxBytes} B)`);
    const out = await new Promise<string>((resolve, reject) => {
      const proc = spawn(process.execPath, [`--max-old-space-size=${process.env.OPSDECK_HEAP_MB || 512}`, "--import", "tsx", HERE, "--child", dir], { cwd: ROOT, env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "pipe", "inherit"] });
      let stdout = "";
      proc.stdout.on("data", (d) => (stdout += d));
      proc.on("error", reject);
      proc.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`bench runbooks-2k: child exited ${code}`))));
    });
    return JSON.parse(out.trim().split("\n").pop()!) as Record<string, number>;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") {
  child(process.argv[3]!).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
