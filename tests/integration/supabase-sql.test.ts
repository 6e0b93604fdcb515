import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHOP_SEEDED } from "../../demo/shop/postgres-seed";
import type { PluginInstance, ProbeDefinition } from "../../plugins/plugin-api";
import type { SqlAuditEvent, SqlService } from "../../plugins/supabase/api";
import supabase from "../../plugins/supabase";
import { testPortal } from "../helpers/portal";
import { shopDatabase } from "../helpers/shop-postgres";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const KEY = "sb_secret_test_0123456789abcdef";
const read = (p: ProbeDefinition) => p.read({ signal: new AbortController().signal, log: quiet, now: () => new Date() });

let db: Awaited<ReturnType<typeof shopDatabase>>;
beforeAll(async () => {
  db = await shopDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function plugin(section: Record<string, unknown>): Promise<PluginInstance & { probe(id: string): ProbeDefinition }> {
  // Writes by the superuser URL, reads as the database's read-only role.
  const config = supabase.config.parse({ url: "http://127.0.0.1:1", serviceRoleKey: KEY, ...db.supabase, ...section });
  const instance = await supabase.setup({ config, log: quiet, deps: {}, demo: false, dataDir: os.tmpdir() });
  return Object.assign(instance, {
    probe(id: string) {
      const p = instance.probes!.find((x) => x.id === id);
      if (!p) throw new Error(`no probe ${id}`);
      return p;
    },
  });
}

describe("order-health preset on the real PostgreSQL", () => {
  it("counts exactly what hand-written psql counts say on the seeded data", async () => {
    const p = await plugin({ presets: ["order-health"], webhookEvents: {} });
    try {
      const handWritten: Record<string, string> = {
        "stuck-paid-orders": "select count(*) from orders where status = 'paid' and webhook_processed_at is null and updated_at < now() - interval '10 minutes'",
        "failed-invoices": "select count(*) from orders where invoice_status = 'failed'",
        "coupon-reservation-leaks": "select count(*) from coupon_reservations where status = 'reserved' and expires_at < now()",
        "unprocessed-stripe-events": "select count(*) from stripe_webhook_events where status <> 'processed' and created_at < now() - interval '10 minutes'",
        "coupon-reserved-drift":
          "select count(*) from coupons c where reserved_count <> (select count(*) from coupon_reservations r where r.coupon_id = c.id and r.status = 'reserved' and r.expires_at >= now())",
        "webhook-errors": "select count(*) from webhook_events where processing_result = 'error' and received_at > now() - interval '24 hours'",
        "webhook-duplicates": "select count(*) from (select dedupe_key from webhook_events where processing_result is distinct from 'duplicate' group by 1 having count(*) > 1) d",
        "webhook-unprocessed": "select count(*) from webhook_events where processing_result is null and received_at < now() - interval '10 minutes'",
      };
      const seen: Record<string, number | null> = {};
      for (const [id, sql] of Object.entries(handWritten)) {
        const reading = await read(p.probe(id));
        seen[id] = reading.value;
        expect(reading.value, id).toBe(Number(db.psql(sql)));
      }
      expect(seen).toEqual({
        "stuck-paid-orders": SHOP_SEEDED.stuckPaidOrders.length,
        "failed-invoices": SHOP_SEEDED.failedInvoices.length,
        "coupon-reservation-leaks": SHOP_SEEDED.staleReservations.length,
        "unprocessed-stripe-events": SHOP_SEEDED.unprocessedStripeEvents.length,
        "coupon-reserved-drift": SHOP_SEEDED.driftedCoupons.length,
        "webhook-errors": SHOP_SEEDED.webhookErrors,
        "webhook-duplicates": SHOP_SEEDED.webhookDuplicates,
        "webhook-unprocessed": SHOP_SEEDED.webhookUnprocessed,
      });
      const stuck = await read(p.probe("stuck-paid-orders"));
      expect(stuck.rows!.map((r) => r.id)).toEqual(["wx-1033", "wx-1032", "wx-1031"]);
      expect(stuck.summary).toBe("3 paid orders unconfirmed");
    } finally {
      await p.stop!();
    }
  });

  it("follows a table/column mapping for another schema", async () => {
    await db.query("create schema legacy; create table legacy.purchases (pid text primary key, state text, pi text, total int, cur text, email text, tr text, inv text, hook_at timestamptz, made_at timestamptz, touched_at timestamptz)");
    await db.query("insert into legacy.purchases values ('p1','paid','pi_a',100,'usd','a@x',null,'bad',null,now() - interval '1 hour', now() - interval '30 minutes'), ('p2','paid','pi_b',100,'usd','b@x',null,'ok',null,now(), now())");
    const orders = {
      table: "legacy.purchases",
      columns: { id: "pid", status: "state", paymentIntent: "pi", amount: "total", currency: "cur", customerEmail: "email", transferId: "tr", invoiceStatus: "inv", webhookProcessedAt: "hook_at", createdAt: "made_at", updatedAt: "touched_at" },
      failedInvoiceStatus: "bad",
    };
    const p = await plugin({ presets: ["order-health"], orderHealth: { orders } });
    try {
      expect((await read(p.probe("stuck-paid-orders"))).value).toBe(1);
      expect((await read(p.probe("failed-invoices"))).value).toBe(1);
    } finally {
      await p.stop!();
    }
  });
});

describe("read-only guards", () => {
  it("refuses INSERT, UPDATE and DELETE before they are sent, and a volatile function allowed by mistake still cannot write; nothing changes", async () => {
    await db.query(`create function bump_audit() returns int language sql volatile as $$ insert into audit_log (actor, action) values ('probe', 'bump') returning 1 $$`);
    const before = db.psql("select (select count(*) from orders) || '/' || (select count(*) from audit_log) || '/' || (select string_agg(status, ',' order by id) from orders)");
    const refused = async (queries: Record<string, unknown>) => plugin({ queries }).then(
      async (p) => {
        await p.stop!();
        return [];
      },
      (err) => (err as { problems: string[] }).problems,
    );
    expect(await refused({ "try-insert": { sql: "insert into orders (id, status, amount_cents) values ('wx-9999', 'paid', 1) returning id" } })).toEqual([
      "plugins.supabase.queries.try-insert.sql: refused: INSERT is not allowed in a read-only query (only SELECT, VALUES, SHOW and EXPLAIN)",
    ]);
    expect(await refused({ "try-update": { sql: "update orders set status = 'confirmed' returning id" } })).toEqual([
      "plugins.supabase.queries.try-update.sql: refused: UPDATE is not allowed in a read-only query (only SELECT, VALUES, SHOW and EXPLAIN)",
    ]);
    expect(await refused({ "try-function": { sql: "select bump_audit()", measure: "value" } })).toEqual([
      "plugins.supabase.queries.try-function.sql: refused: function bump_audit is not on the allow-list (plugins.supabase.allowFunctions adds one)",
    ]);
    const p = await plugin({ allowFunctions: ["bump_audit"], queries: { "try-function": { sql: "select bump_audit()", measure: "value" } } });
    try {
      await expect(read(p.probe("try-function"))).rejects.toThrow("cannot execute INSERT in a read-only transaction");
      const sql = p.provides!.sql as SqlService;
      await expect(sql.query("commit")).rejects.toThrow("refused: COMMIT is not allowed in a read-only query");
      await expect(sql.query("select 1; delete from orders")).rejects.toThrow("refused: 2 statements (SELECT, DELETE); a read-only query is exactly one statement");
      expect(db.psql("select (select count(*) from orders) || '/' || (select count(*) from audit_log) || '/' || (select string_agg(status, ',' order by id) from orders)")).toBe(before);
      // The pool is still healthy after the refusals.
      expect((await sql.query("select count(*)::int as n from orders")).rows[0]).toEqual({ n: 16 });
    } finally {
      await p.stop!();
    }
  });

  it("stops a long statement at the statement timeout", async () => {
    // pg_sleep past the timeout is refused outright; a long scan is what the server's timeout stops.
    expect(await plugin({ statementTimeout: "1s", queries: { sleepy: { sql: "select pg_sleep(30)" } } }).catch((err) => (err as { problems: string[] }).problems)).toEqual([
      "plugins.supabase.queries.sleepy.sql: refused: pg_sleep needs a constant below the statement timeout (1000 ms)",
    ]);
    const p = await plugin({ statementTimeout: "1s", queries: { sleepy: { sql: "select count(*) from generate_series(1, 2000000000)", measure: "rows" } } });
    try {
      const started = Date.now();
      await expect(read(p.probe("sleepy"))).rejects.toThrow("canceling statement due to statement timeout");
      expect(Date.now() - started).toBeLessThan(5000);
      expect(p.probe("sleepy").timeout).toBe("3000ms");
    } finally {
      await p.stop!();
    }
  });

  it("caps a query returning 1e6 rows, and still counts them on the server", async () => {
    const p = await plugin({
      maxRows: 500,
      queries: {
        "million-rows": { sql: "select n from generate_series(1, 1000000) as n", measure: "rows" },
        "million-count": { sql: "select n from generate_series(1, 1000000) as n;", measure: "count" },
      },
    });
    try {
      const rows = await read(p.probe("million-rows"));
      expect(rows.value).toBe(500);
      expect(rows.summary).toBe("500 rows (first 500; more not fetched)");
      const counted = await read(p.probe("million-count"));
      expect(counted.value).toBe(1_000_000);
      expect(counted.rows).toHaveLength(50);
      const sql = p.provides!.sql as SqlService;
      const res = await sql.query("select n from generate_series(1, 1000000) as n");
      expect(res).toMatchObject({ rowCount: 500, truncated: true, fields: ["n"] });
      expect((await sql.query("select n from generate_series(1, 1000000) as n", [], { maxRows: 10_000 })).rowCount).toBe(500);
      expect((await sql.query("select n from generate_series(1, $1::int) as n", [3], { maxRows: 2 })).rows).toEqual([{ n: 1 }, { n: 2 }]);
    } finally {
      await p.stop!();
    }
  });

  it("audits a statement a person runs, and refuses one without an audit sink", async () => {
    const p = await plugin({});
    try {
      const sql = p.provides!.sql as SqlService;
      const events: SqlAuditEvent[] = [];
      const audit = async (e: SqlAuditEvent) => void events.push(e);
      const res = await sql.query("select current_setting('application_name') as app, current_setting('transaction_read_only') as ro", [], { actor: "alice", audit });
      expect(res.rows[0]).toEqual({ app: "opsdeck:alice", ro: "on" });
      await expect(sql.query("selec 1", [], { actor: "alice", audit })).rejects.toThrow('syntax error at or near "selec"');
      expect(events.map((e) => [e.actor, e.outcome, e.rowCount ?? e.error])).toEqual([
        ["alice", "succeeded", 1],
        ["alice", "failed", 'refused: syntax error at or near "selec" at character 1'],
      ]);
      await expect(sql.query("select 1", [], { actor: "alice" })).rejects.toThrow("needs an audit sink");
      await expect(sql.query("select 1", [], { actor: "alice", audit: async () => Promise.reject(new Error("audit store down")) })).rejects.toThrow("audit store down");
      expect(sql.describe()).toEqual({ dialect: "postgres", statementTimeoutMs: 5000, maxRows: 500 });
    } finally {
      await p.stop!();
    }
  });
});

describe("start checks and migrations", () => {
  it("names the key for a SQL syntax error or a bad databaseUrl, and starts with an unreachable database", async () => {
    const refused = async (section: Record<string, unknown>) => {
      try {
        const p = await plugin(section);
        await p.stop!();
        return null;
      } catch (err) {
        expect((err as Error).name).toBe("ConfigError");
        return (err as { problems: string[] }).problems;
      }
    };
    expect(await refused({ queries: { "stuck-orders": { sql: "selec id from orders" } } })).toEqual(['plugins.supabase.queries.stuck-orders.sql: refused: syntax error at or near "selec" at character 1']);
    expect(await refused({ queries: { "stuck-orders": { sql: "select id from orderz" } } })).toEqual(['plugins.supabase.queries.stuck-orders.sql: relation "orderz" does not exist']);
    expect(await refused({ databaseUrl: db.url.replace(/\/[^/]*$/, "/opsdeck_no_such_db") })).toEqual(['plugins.supabase.databaseUrl: database "opsdeck_no_such_db" does not exist']);
    // A write is refused at start, by the parser, before anything connects.
    expect(await refused({ queries: { w: { sql: "delete from orders" } } })).toEqual(["plugins.supabase.queries.w.sql: refused: DELETE is not allowed in a read-only query (only SELECT, VALUES, SHOW and EXPLAIN)"]);
    expect(supabase.config.safeParse({ url: "http://x.supabase.co", serviceRoleKey: KEY, databaseUrl: "mysql://x" }).error?.issues[0]).toMatchObject({
      path: ["databaseUrl"],
      message: "must be a postgres:// connection string",
    });
    expect(supabase.config.safeParse({ url: "http://x.supabase.co", serviceRoleKey: KEY, presets: ["order-health"] }).error?.issues[0]).toMatchObject({ path: ["presets"], message: "needs databaseUrl (a direct Postgres connection)" });

    // Through a whole portal start: the refusal is a ConfigError the server prints line by line.
    await expect(
      testPortal({ plugins: [supabase], config: { plugins: { supabase: { url: "http://127.0.0.1:1", serviceRoleKey: KEY, ...db.supabase, queries: { "stuck-orders": { sql: "selec id from orders" } } } } } }),
    ).rejects.toMatchObject({ name: "ConfigError", problems: ['plugins.supabase.queries.stuck-orders.sql: refused: syntax error at or near "selec" at character 1'] });

    const p = await plugin({ databaseUrl: "postgres://postgres@127.0.0.1:1/nowhere", queries: { q: { sql: "select 1" } } });
    try {
      await expect(read(p.probe("q"))).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await p.stop!();
    }
  });

  it("compares schema_migrations with the migrations folder", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-migrations-"));
    for (const f of ["20240902101500_init.sql", "20241003120000_coupons.sql", "20241110094500_webhook_events.sql", "20250114083000_audit_log.sql", "20251120160000_order_invoice_index.sql", "README.md"]) {
      fs.writeFileSync(path.join(folder, f), "-- x\n");
    }
    const p = await plugin({ migrations: { folder } });
    try {
      const r = await read(p.probe("migration-status"));
      expect(r.value).toBe(1);
      expect(r.summary).toBe("latest applied 20250114083000, latest file 20251120160000; 1 file not applied");
      expect(r.rows).toEqual([{ version: "20251120160000", file: "20251120160000_order_invoice_index.sql", state: "not applied" }]);
    } finally {
      await p.stop!();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
