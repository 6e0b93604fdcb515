import { beforeAll, describe, expect, it } from "vitest";
import { orderHealthChecks, webhookEventChecks } from "./presets";
import { OrderHealthSchema, WebhookEventsSchema } from "./config";
import { loadSqlParser, neverAllowed, SqlGuard, SqlRefused } from "./sql-guard";

let guard: SqlGuard;
beforeAll(async () => {
  await loadSqlParser();
  guard = new SqlGuard({ statementTimeoutMs: 5000, allowFunctions: ["shop.order_total"] });
});

const refusal = (sql: string): string => {
  try {
    guard.check(sql);
  } catch (err) {
    expect(err).toBeInstanceOf(SqlRefused);
    return (err as Error).message;
  }
  throw new Error(`not refused: ${sql}`);
};

describe("SqlGuard", () => {
  it("accepts plain reads", () => {
    for (const sql of [
      "select id, status from orders where status = 'paid' order by id",
      "select count(*) filter (where x > 1), coalesce(max(a), 0), now() - interval '1 hour' from t group by 1",
      "values (1, 'a'), (2, 'b')",
      "show statement_timeout",
      "explain (format json, verbose) select * from orders",
      "with recent as (select * from orders where created_at > now() - $1::interval) select count(*) from recent",
      "select * from t, lateral (select lower(t.name)) s",
      "select pg_catalog.upper('x'), row_number() over (order by id) from t",
      "select shop.order_total(id) from orders",
      "select pg_sleep(0.5)",
      "table orders",
    ]) {
      expect(() => guard.check(sql), sql).not.toThrow();
    }
  });

  it("accepts every statement the plugin generates itself", () => {
    const checks = { ...orderHealthChecks(OrderHealthSchema.parse({})), ...webhookEventChecks(WebhookEventsSchema.parse({})) };
    for (const [id, spec] of Object.entries(checks)) expect(() => guard.check(spec.sql), id).not.toThrow();
  });

  it("names the construct it refuses", () => {
    expect(refusal("copy (select 1) to program 'id > /tmp/x'")).toBe("refused: COPY is not allowed in a read-only query (only SELECT, VALUES, SHOW and EXPLAIN)");
    expect(refusal("select 1; delete from orders")).toMatch(/2 statements \(SELECT, DELETE\)/);
    expect(refusal("commit")).toMatch(/COMMIT is not allowed/);
    expect(refusal("set transaction read write")).toMatch(/SET TRANSACTION is not allowed/);
    expect(refusal("reset role")).toMatch(/RESET is not allowed/);
    expect(refusal("with d as (delete from orders returning *) select * from d")).toMatch(/DELETE is not allowed.*data-modifying/);
    expect(refusal("select * into copy_of_orders from orders")).toMatch(/SELECT INTO/);
    expect(refusal("select * from orders for update")).toMatch(/FOR UPDATE locks rows/);
    expect(refusal("select * from (select * from orders for share) s")).toMatch(/FOR SHARE/);
    expect(refusal("explain analyze select 1")).toMatch(/EXPLAIN ANALYZE/);
    expect(refusal("explain delete from orders")).toMatch(/EXPLAIN of DELETE/);
    expect(refusal(`select "pg_read_file"('/etc/passwd')`)).toBe("refused: function pg_read_file is never allowed in a read-only query");
    expect(refusal(`select U&"\\0070g_read_file"('/etc/passwd')`)).toMatch(/pg_read_file is never allowed/);
    expect(refusal("select dblink_exec('dbname=x', 'update t set a = 1')")).toMatch(/dblink_exec is never allowed/);
    expect(refusal("select set_config('transaction_read_only', 'off', false)")).toMatch(/set_config/);
    expect(refusal("select my_definer_fn()")).toBe("refused: function my_definer_fn is not on the allow-list (plugins.supabase.allowFunctions adds one)");
    expect(refusal("select public.upper('x')")).toMatch(/public\.upper is not on the allow-list/);
    expect(refusal("select pg_sleep(30)")).toMatch(/pg_sleep needs a constant below the statement timeout \(5000 ms\)/);
    expect(refusal("select pg_sleep(x) from t")).toMatch(/pg_sleep/);
    expect(refusal("select * from orders tablesample system_rows(10)")).toMatch(/TABLESAMPLE method system_rows/);
    expect(refusal("select 1 operator(public.+) 2")).toBe("refused: operator public.+ is outside pg_catalog; only built-in operators are allowed");
    expect(() => guard.check("select 1 operator(pg_catalog.+) 2")).not.toThrow();
    expect(refusal("select 1 +")).toBe("refused: syntax error at end of input at character 11");
    expect(refusal("-- nothing here")).toMatch(/no statement/);
  });

  it("keeps the never-list even when allowFunctions names it", () => {
    const g = new SqlGuard({ statementTimeoutMs: 5000, allowFunctions: ["pg_read_file", "lo_export"] });
    expect(() => g.check("select pg_read_file('/etc/passwd')")).toThrow(/never allowed/);
    expect(() => g.check("select pg_catalog.lo_export(1, '/tmp/x')")).toThrow(/never allowed/);
    for (const name of ["pg_advisory_lock", "pg_try_advisory_xact_lock", "nextval", "pg_terminate_backend", "pg_notify", "query_to_xml", "ts_stat", "txid_current"]) {
      expect(neverAllowed(name), name).toBe(true);
    }
    expect(neverAllowed("pg_stat_get_live_tuples")).toBe(false);
  });
});
