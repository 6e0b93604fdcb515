// The cost of the SQL probe's guards, measured on the real PostgreSQL (127.0.0.1:5432, a fresh
// database seeded with the demo shop, dropped after).
//
// sql_probe_overhead_ms_p95  p95 over 300 pairs of (probe read − the bare statement), both on the
//                            same single pooled connection: the probe adds the pool checkout,
//                            BEGIN READ ONLY + SET LOCAL statement_timeout (one round trip), the
//                            capped extended-protocol fetch and the reading's shaping; its ROLLBACK
//                            runs after the answer (the next checkout waits for it, not the caller).
//                            Goal ≤ 5 ms.
// sql_probe_overhead_ms_p50  the same, median (less sensitive to a shared, busy machine).
// sql_probe_ms_p95 / sql_bare_query_ms_p95  the two sides, for context.
// sql_guard_overhead_ms_p95  p95 over 300 pairs of (the sql service's query − the bare statement)
//                            for a typical SELECT, each text new to the guard (a trailing comment
//                            numbers it, so no cached verdict): libpg-query's parse and the tree
//                            walk, run as the read-only role (SET LOCAL ROLE in the BEGIN round
//                            trip), the capped fetch; DISCARD ALL runs after the answer. Goal ≤ 2 ms.
// sql_guard_check_ms_p95     the parse and checks alone (uncached), for context.
import { OrderHealthSchema } from "../plugins/supabase/config";
import { orderHealthChecks } from "../plugins/supabase/presets";
import { readSql } from "../plugins/supabase/probes/sql-probe";
import { createPool, SqlRunner } from "../plugins/supabase/sql";
import { loadSqlParser, SqlGuard } from "../plugins/supabase/sql-guard";
import { shopDatabase } from "../tests/helpers/shop-postgres";

const PAIRS = 300;
const WARMUP = 30;

function pct(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]!;
}
const p95 = (v: number[]) => pct(v, 0.95);
const round = (n: number) => Math.round(n * 100) / 100;

export async function run(): Promise<Record<string, number>> {
  const db = await shopDatabase();
  const pool = createPool(db.url);
  pool.options.max = 1;
  try {
    await loadSqlParser();
    const guard = new SqlGuard({ statementTimeoutMs: 5000 });
    const runner = new SqlRunner(pool, { statementTimeoutMs: 5000, maxRows: 500, guard, readOnlyRole: db.readOnlyRole });
    const spec = orderHealthChecks(OrderHealthSchema.parse({}))["stuck-paid-orders"]!;
    const signal = new AbortController().signal;
    const bare = async () => {
      const client = await pool.connect();
      try {
        const t = performance.now();
        await client.query(spec.sql, spec.params);
        return performance.now() - t;
      } finally {
        client.release();
      }
    };
    const probe = async () => {
      const t = performance.now();
      const reading = await readSql(runner, spec, signal);
      if (reading.value !== 3) throw new Error(`unexpected reading ${reading.value}`);
      return performance.now() - t;
    };
    for (let i = 0; i < WARMUP; i++) {
      await bare();
      await probe();
    }
    const diffs: number[] = [];
    const probes: number[] = [];
    const bares: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const b = await bare();
      const p = await probe();
      bares.push(b);
      probes.push(p);
      diffs.push(p - b);
    }
    // The sql service as runbook SQL reaches it: a typical SELECT, its text new to the guard each time.
    const typical = "select o.id, o.status, o.amount_cents, coalesce(o.paid_at, o.created_at) as at from orders o where o.status = 'paid' and o.created_at > now() - interval '30 days' order by o.created_at desc limit 20";
    const expected = (await runner.query(typical)).rowCount;
    const bareTypical = async () => {
      const client = await pool.connect();
      try {
        const t = performance.now();
        await client.query(typical);
        return performance.now() - t;
      } finally {
        client.release();
      }
    };
    let n = 0;
    const guarded = async () => {
      const text = `${typical} -- bench ${++n}`;
      const t = performance.now();
      const res = await runner.query(text);
      if (res.rowCount !== expected) throw new Error(`unexpected rows ${res.rowCount}`);
      return performance.now() - t;
    };
    for (let i = 0; i < WARMUP; i++) {
      await bareTypical();
      await guarded();
    }
    const guardDiffs: number[] = [];
    const checks: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const b = await bareTypical();
      const g = await guarded();
      guardDiffs.push(g - b);
      const t = performance.now();
      guard.check(`${typical} -- check ${i}`);
      checks.push(performance.now() - t);
    }
    return {
      sql_probe_overhead_ms_p95: round(p95(diffs)),
      sql_probe_overhead_ms_p50: round(pct(diffs, 0.5)),
      sql_probe_ms_p95: round(p95(probes)),
      sql_bare_query_ms_p95: round(p95(bares)),
      sql_guard_overhead_ms_p95: round(p95(guardDiffs)),
      sql_guard_overhead_ms_p50: round(pct(guardDiffs, 0.5)),
      sql_guard_check_ms_p95: round(p95(checks)),
    };
  } finally {
    await pool.end();
    await db.drop();
  }
}
