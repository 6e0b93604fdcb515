// The cost of running a runbook's ```sql block inline, on the real PostgreSQL (127.0.0.1:5432, a
// fresh database seeded with the demo shop, dropped after) and a portal booted in-process with the
// supabase plugin (SQLite store).
//
// live_block_overhead_ms_p95  p95 over 100 pairs of (inline run − the bare statement): the inline
//                             run is what "Run read-only" does — the action pipeline (validation,
//                             lock, audit "started"), supabase.query in its read-only transaction,
//                             the closing audit entry and the run read back with its result; the
//                             bare statement is the same select on a plain pg connection.
//                             Goal ≤ 20 ms.
// live_block_overhead_ms_p50  the same, median.
// live_block_run_ms_p95 / live_block_bare_ms_p95  the two sides, for context.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import YAML from "yaml";
import supabase from "../plugins/supabase";
import { submitAction } from "~/core/actions/pipeline.server";
import { onRunFinished } from "~/core/actions/run-events.server";
import { getRun } from "~/core/actions/runs.server";
import { bootPortal } from "~/core/boot.server";
import { shopDatabase } from "../tests/helpers/shop-postgres";

const PAIRS = 100;
const WARMUP = 10;
const SQL = "select id, status, amount_cents from orders where status = 'paid' order by id";

function pct(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]!;
}
const round = (n: number) => Math.round(n * 100) / 100;

export async function run(): Promise<Record<string, number>> {
  const db = await shopDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-live-"));
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  fs.writeFileSync(
    path.join(dir, "app-config.yaml"),
    YAML.stringify({ app: { demo: false }, probes: { sampling: false }, plugins: { supabase: { url: "http://127.0.0.1:1", serviceRoleKey: "sb_secret_bench_0123456789abcdef", ...db.supabase } } }),
  );
  fs.mkdirSync(path.join(dir, "runbooks"));
  const portal = await bootPortal({
    cwd: dir,
    env: { SESSION_SECRET: "bench-session-secret-0123456789abcdef", OPSDECK_DATA_DIR: path.join(dir, "data") },
    databaseUrl: path.join(dir, "bench.sqlite"),
    plugins: [supabase],
    background: false,
    demoUsers: false,
    log: pino({ level: "silent" }),
  });
  const user = { id: "u_bench", username: "bench", displayName: null, roles: ["responder"], via: "session" } as const;
  const waiting = new Map<string, () => void>();
  const off = onRunFinished(portal, (e) => waiting.get(e.runId)?.());
  let n = 0;
  try {
    const expected = (await client.query(SQL)).rowCount;
    const inline = async () => {
      const started = performance.now();
      let finished!: () => void;
      const done = new Promise<void>((r) => (finished = r));
      // A refusal throws (the error family); a press answers its run.
      const res = await submitAction(portal, user as never, "supabase.query", { input: { sql: SQL }, idempotencyKey: `bench-live-${process.pid}-${++n}` });
      const runId = res.runId;
      waiting.set(runId, finished);
      if (res.status !== "started") throw new Error(`inline run answered ${JSON.stringify(res)}`);
      const now = await getRun(portal, runId);
      if (now && ["pending", "started"].includes(now.status)) await done;
      waiting.delete(runId);
      const run = await getRun(portal, runId);
      const rows = (run?.result as { rows?: unknown[] } | null)?.rows;
      if (run?.status !== "succeeded" || rows?.length !== expected) throw new Error(`inline run ${run?.status} with ${rows?.length} rows`);
      return performance.now() - started;
    };
    const bare = async () => {
      const started = performance.now();
      const r = await client.query(SQL);
      if (r.rowCount !== expected) throw new Error("bare query changed");
      return performance.now() - started;
    };
    for (let i = 0; i < WARMUP; i++) {
      await inline();
      await bare();
    }
    const diffs: number[] = [];
    const runs: number[] = [];
    const bares: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const a = await inline();
      const b = await bare();
      runs.push(a);
      bares.push(b);
      diffs.push(a - b);
    }
    return {
      live_block_overhead_ms_p95: round(pct(diffs, 0.95)),
      live_block_overhead_ms_p50: round(pct(diffs, 0.5)),
      live_block_run_ms_p95: round(pct(runs, 0.95)),
      live_block_bare_ms_p95: round(pct(bares, 0.95)),
    };
  } finally {
    off();
    await portal.shutdown();
    await client.end();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
