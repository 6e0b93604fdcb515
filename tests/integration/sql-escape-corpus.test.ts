// Issue 25, defect 1: "read-only" SQL was only BEGIN READ ONLY. Every statement below escaped it
// (or would, with a privileged role); through the action endpoint each is now refused with a 400
// naming the construct and audited `invalid`, and afterwards nothing on the server changed.
// A portal started with a superuser connection does not offer the `sql` service and says why.
import fs from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import supabase from "../../plugins/supabase";
import { createPool, SqlRunner } from "../../plugins/supabase/sql";
import type { SqlGuard } from "../../plugins/supabase/sql-guard";
import { submitAction } from "~/core/actions/pipeline.server";
import { createOrUpdateUser, login, sessionCookie, type User } from "~/core/auth.server";
import { probeEngine } from "~/core/probes/service.server";
import { loader as overviewLoader } from "~/routes/_index";
import { makeRequest, settleRun, testPortal } from "../helpers/portal";
import { shopDatabase } from "../helpers/shop-postgres";
import { sqlRef } from "../../plugins/supabase/api";
import { ordersRef } from "../../plugins/orders-api";
import { answerOf } from "../helpers/answer";

const KEY = "sb_secret_corpus_0123456789abcdef";
const responder: User = { id: "u_responder", username: "responder", displayName: null, roles: ["responder"], via: "session" };
const TMP = `/tmp/opsdeck-escape-${process.pid}`;

let db: Awaited<ReturnType<typeof shopDatabase>>;
let sentinel: pg.Client;
let sentinelPid: number;

/** Statement → the construct its refusal must name. */
function corpus(): [string, RegExp][] {
  const conn = `dbname=${new URL(db.url).pathname.slice(1)} user=postgres host=127.0.0.1`;
  return [
    [`copy (select 1) to program 'id > ${TMP}-program'`, /COPY is not allowed/],
    [`COPY orders TO '${TMP}-copy'`, /COPY is not allowed/],
    [`copy victim from '/etc/hostname'`, /COPY is not allowed/],
    [`select pg_read_file('/etc/passwd')`, /function pg_read_file is never allowed/],
    [`select pg_read_binary_file('/etc/passwd')`, /pg_read_binary_file is never allowed/],
    [`select pg_ls_dir('.')`, /pg_ls_dir is never allowed/],
    [`select lo_import('/etc/passwd')`, /lo_import is never allowed/],
    [`select lo_export(1234, '${TMP}-lo')`, /lo_export is never allowed/],
    [`select lo_from_bytea(0, 'x')`, /lo_from_bytea is never allowed/],
    [`select dblink_exec('${conn}', 'update victim set v = ''owned''')`, /dblink_exec is never allowed/],
    [`select * from dblink('${conn}', 'delete from victim returning 1') as t(x int)`, /function dblink is never allowed/],
    [`select pg_terminate_backend(${sentinelPid})`, /pg_terminate_backend is never allowed/],
    [`select pg_cancel_backend(${sentinelPid})`, /pg_cancel_backend is never allowed/],
    [`select * from victim, lateral (select pg_terminate_backend(pid) from pg_stat_activity where pid = ${sentinelPid}) s`, /pg_terminate_backend is never allowed/],
    [`select pg_advisory_lock(42)`, /pg_advisory_lock is never allowed/],
    [`select pg_try_advisory_lock(42)`, /pg_try_advisory_lock is never allowed/],
    [`select pg_advisory_xact_lock_shared(42)`, /pg_advisory_xact_lock_shared is never allowed/],
    [`SET TRANSACTION READ WRITE`, /SET TRANSACTION is not allowed/],
    [`COMMIT; DELETE FROM victim`, /2 statements \(COMMIT, DELETE\)/],
    [`commit`, /COMMIT is not allowed/],
    [`with d as (delete from victim returning *) select * from d`, /DELETE is not allowed/],
    [`with u as (update victim set v = 'x' returning *) select count(*) from u`, /UPDATE is not allowed/],
    [`with i as (insert into victim values (99, 'x') returning *) select * from i`, /INSERT is not allowed/],
    [`select * into stolen from victim`, /SELECT INTO/],
    [`select * from victim for update`, /FOR UPDATE locks rows/],
    [`select * from (select * from victim for no key update nowait) s`, /FOR NO KEY UPDATE locks rows/],
    [`select set_config('transaction_read_only', 'off', false)`, /set_config is never allowed/],
    [`select case when true then set_config('role', 'postgres', true) end`, /set_config is never allowed/],
    [`do $$ begin delete from victim; end $$`, /DO is not allowed/],
    [`select evil_definer()`, /function evil_definer is not on the allow-list/],
    [`select public.evil_definer()`, /function public\.evil_definer is not on the allow-list/],
    [`select 1 /* ; */ ; delete from victim -- tail`, /2 statements \(SELECT, DELETE\)/],
    [`select pg_read_file/**/('/etc/passwd')`, /pg_read_file is never allowed/],
    [`select "pg_read_file"('/etc/passwd')`, /pg_read_file is never allowed/],
    [`select U&"\\0070g_read_file"('/etc/passwd')`, /pg_read_file is never allowed/],
    [`select pg_catalog.pg_read_file($$/etc/passwd$$)`, /pg_read_file is never allowed/],
    [`select $q$;commit;$q$, lo_unlink(1)`, /lo_unlink is never allowed/],
    [`select * from victim where v in (select x from (select pg_sleep(60)::text as x) s)`, /pg_sleep needs a constant below the statement timeout/],
    [`select query_to_xml('delete from victim returning 1', true, true, '')`, /query_to_xml is never allowed/],
    [`select ts_stat('select to_tsvector(v) from victim')`, /ts_stat is never allowed/],
    [`select nextval('victim_seq')`, /nextval is never allowed/],
    [`select setval('victim_seq', 1000)`, /setval is never allowed/],
    [`select pg_notify('c', 'x')`, /pg_notify is never allowed/],
    [`select txid_current()`, /txid_current is never allowed/],
    [`select pg_reload_conf()`, /pg_reload_conf is never allowed/],
    [`listen c`, /LISTEN is not allowed/],
    [`prepare p as delete from victim`, /PREPARE is not allowed/],
    [`execute p`, /EXECUTE is not allowed/],
    [`call bump()`, /CALL is not allowed/],
    [`reset role`, /RESET is not allowed/],
    [`set role postgres`, /SET is not allowed/],
    [`explain analyze delete from victim`, /EXPLAIN ANALYZE runs the statement/],
    [`explain (analyze, format json) select * from victim`, /EXPLAIN ANALYZE runs the statement/],
    [`lock table victim`, /LOCK is not allowed/],
    [`truncate victim`, /TRUNCATE is not allowed/],
    [`vacuum victim`, /VACUUM is not allowed/],
    [`create table scratch (a int)`, /CREATE is not allowed/],
    [`grant all on victim to public`, /GRANT is not allowed/],
    [`select 1 from`, /refused: syntax error at end of input at character 14/],
  ];
}

const checksum = () => db.query<{ h: string }>(`select md5(coalesce((select string_agg(t::text, ',' order by id) from victim t), '') || (select string_agg(o::text, ',' order by id) from orders o) || (select last_value::text from victim_seq)) as h`).then((r) => r[0]!.h);
const advisoryLocks = () => db.query<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`).then((r) => r[0]!.n);

beforeAll(async () => {
  db = await shopDatabase();
  await db.query(`create table victim (id int primary key, v text); insert into victim values (1, 'a'), (2, 'b'); create sequence victim_seq`);
  await db.query(`create function evil_definer() returns int language sql security definer as $$ delete from victim returning 1 $$`);
  await db.query(`create procedure bump() language sql as $$ update victim set v = 'bumped' $$`);
  // With postgresql-contrib the dblink calls below are real threats; without it the parser refuses them all the same.
  await db.query("create extension dblink").catch(() => {});
  sentinel = new pg.Client({ connectionString: db.url });
  await sentinel.connect();
  sentinelPid = (await sentinel.query("select pg_backend_pid() as pid")).rows[0].pid;
});

afterAll(async () => {
  await sentinel?.end().catch(() => {});
  await db?.drop();
  for (const f of fs.readdirSync("/tmp").filter((f) => f.startsWith(`opsdeck-escape-${process.pid}`))) fs.rmSync(`/tmp/${f}`, { force: true });
});

describe("the escape corpus through supabase.query, as the configured read-only role", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({ plugins: [supabase], config: { plugins: { supabase: { url: "http://127.0.0.1:1", serviceRoleKey: KEY, ...db.supabase, statementTimeout: "5s" } } } });
  });
  afterAll(async () => t?.cleanup());

  it("offers the sql service, and a plain read runs as the read-only role", async () => {
    expect(t.portal.registry.services.get(sqlRef)).toBeDefined();
    const res = await answerOf(submitAction(t.portal, responder, "supabase.query", { input: { sql: "select current_user as who, count(*)::int as n from victim" }, idempotencyKey: `corpus-ok-${process.pid}` }));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const run = await settleRun(t.portal, String(res.body.runId));
    expect(run.status).toBe("succeeded");
    expect(JSON.stringify(run.result)).toContain(`"who":"${db.readOnlyRole}"`);
  });

  it(`refuses every statement with a 400 naming the construct, audited invalid, and nothing on the server changes`, async () => {
    const before = await checksum();
    const statements = corpus();
    expect(statements.length).toBeGreaterThanOrEqual(40);
    const answers: string[] = [];
    for (const [i, [sql, names]] of statements.entries()) {
      const res = await answerOf(submitAction(t.portal, responder, "supabase.query", { input: { sql }, idempotencyKey: `corpus-${process.pid}-${i}` }));
      const body = res.body as { error?: string; fieldErrors?: Record<string, string[]> };
      answers.push(`${res.status} ${sql} → ${body.error}`);
      expect(res.status, sql).toBe(400);
      expect(body.error, sql).toMatch(names);
      expect(body.fieldErrors?.sql?.[0], sql).toMatch(/^refused: /);
    }
    const audit = await t.portal.store.db.selectFrom("audit_entries").select(["outcome", "details"]).where("action", "=", "supabase.query").execute();
    const invalid = audit.filter((a) => a.outcome === "invalid");
    expect(invalid.length).toBe(statements.length);
    expect(audit.filter((a) => a.outcome === "started").length).toBe(1);
    // No file written, no row or sequence changed, no backend terminated, no advisory lock held.
    expect(fs.readdirSync("/tmp").filter((f) => f.startsWith(`opsdeck-escape-${process.pid}`))).toEqual([]);
    expect(await checksum()).toBe(before);
    expect((await sentinel.query("select pg_backend_pid() as pid")).rows[0].pid).toBe(sentinelPid);
    expect(await advisoryLocks()).toBe(0);
    expect(answers.length).toBe(statements.length);
  });

  it("the role itself holds when a statement gets past the parser: an allowed function cannot write", async () => {
    // Allow-listed by mistake: the read-only role still cannot run the writer inside it.
    const sql = t.portal.registry.services.get(sqlRef)!;
    await expect(sql.query("select count(*) from victim where v = 'nope' and pg_catalog.upper(v) is not null")).resolves.toMatchObject({ rowCount: 1 });
    const loose = await testPortal({ plugins: [supabase], config: { plugins: { supabase: { url: "http://127.0.0.1:1", serviceRoleKey: KEY, ...db.supabase, allowFunctions: ["evil_definer"] } } } });
    try {
      const res = await answerOf(submitAction(loose.portal, responder, "supabase.query", { input: { sql: "select evil_definer()" }, idempotencyKey: `corpus-loose-${process.pid}` }));
      expect(res.status).toBe(202);
      const run = await settleRun(loose.portal, String(res.body.runId));
      expect(run.status).toBe("failed");
      expect(String(run.error)).toMatch(/read-only transaction|permission denied/);
    } finally {
      await loose.cleanup();
    }
    expect(await db.query("select count(*)::int as n from victim")).toEqual([{ n: 2 }]);
  });

  it("DISCARD ALL on release: nothing a read left on the session survives into the next", async () => {
    // The parser already refuses these; a runner whose check lets everything through shows that
    // the reset alone also clears them (one pooled connection, so the next read gets the same one).
    const pool = createPool(db.readOnlyUrl);
    pool.options.max = 1;
    const runner = new SqlRunner(pool, { statementTimeoutMs: 5000, maxRows: 10, guard: { check: () => ({ kind: "SELECT" }) } as unknown as SqlGuard });
    try {
      const pid = async () => (await runner.readOnly((q) => q("select pg_backend_pid() as pid"))).rows[0]!.pid;
      const first = await pid();
      await runner.readOnly((q) => q("select pg_advisory_lock(77), set_config('work_mem', '1234kB', false)"));
      await runner.readOnly((q) => q("prepare leftover as select 1"));
      expect(await pid()).toBe(first);
      expect(await advisoryLocks()).toBe(0);
      const after = await runner.readOnly((q) => q("select current_setting('work_mem') as wm, (select count(*)::int from pg_prepared_statements) as prepared"));
      expect(after.rows[0]).toEqual({ wm: "4MB", prepared: 0 });
    } finally {
      await pool.end();
    }
  });
});

describe("a superuser connection", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({ plugins: [supabase], config: { plugins: { supabase: { url: "http://127.0.0.1:1", serviceRoleKey: KEY, databaseUrl: db.url, orders: {} } } } });
  });
  afterAll(async () => t?.cleanup());

  it("does not offer the sql service; supabase.query refuses and says why", async () => {
    expect(t.portal.registry.services.get(sqlRef)).toBeUndefined();
    const res = await answerOf(submitAction(t.portal, responder, "supabase.query", { input: { sql: "select 1" }, idempotencyKey: `corpus-su-${process.pid}` }));
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.body)).toMatch(/the sql service is not offered: its read role postgres is not read-only \(postgres is a superuser/);
    const before = await checksum();
    const escape = await answerOf(submitAction(t.portal, responder, "supabase.query", { input: { sql: `copy (select 1) to program 'id > ${TMP}-su'` }, idempotencyKey: `corpus-su2-${process.pid}` }));
    expect(escape.status).toBe(503);
    expect(fs.existsSync(`${TMP}-su`)).toBe(false);
    expect(await checksum()).toBe(before);
    // The ledger reads through the same path: refused too, rather than read as a superuser.
    const ledger = t.portal.registry.services.get(ordersRef)!;
    await expect(ledger.findById("wx-1031")).rejects.toThrow(/the sql service is not offered/);
  });

  it("the overview says why and gives the SQL that makes a proper role", async () => {
    await probeEngine(t.portal).refresh("supabase.read-role");
    await createOrUpdateUser(t.portal.store, { username: "viewer", password: "test-password", roles: ["viewer"] });
    const r = await login(t.portal.store, t.portal.config, { username: "viewer", password: "test-password", address: "127.0.0.1" });
    if (!r.ok) throw new Error("sign-in failed");
    const cookie = sessionCookie(makeRequest("/"), r.token, 60).split(";")[0]!;
    const res = (await overviewLoader({ request: makeRequest("/", { cookie }), params: {}, context: {} } as any)) as Response;
    const body = (await res.json()) as { systems: { rows: { id: string; status: string; summary: string }[] }[] };
    const problem = body.systems.flatMap((s) => s.rows).find((p) => p.id === "supabase.read-role");
    expect(problem?.status).toBe("critical");
    expect(problem?.summary).toContain("postgres is a superuser");
    expect(problem?.summary).toContain("create role opsdeck_ro nologin; grant pg_read_all_data to opsdeck_ro;");
    expect(problem?.summary).toContain("plugins.supabase.readOnlyRole: opsdeck_ro");
  });
});

describe("configured queries", () => {
  it("refuses at start a configured query the guard refuses, naming the key", async () => {
    const config = supabase.config.parse({ url: "http://127.0.0.1:1", serviceRoleKey: KEY, ...db.supabase, queries: { sneaky: { sql: "select pg_advisory_lock(1)" } } });
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    await expect(supabase.setup({ config, log: quiet, deps: {}, demo: false, dataDir: "/tmp" })).rejects.toThrow(
      "plugins.supabase.queries.sneaky.sql: refused: function pg_advisory_lock is never allowed in a read-only query",
    );
  });

  it("refuses a never-allowed function in allowFunctions as a config error", () => {
    const parsed = supabase.config.safeParse({ url: "http://127.0.0.1:1", serviceRoleKey: KEY, ...db.supabase, allowFunctions: ["dblink_exec"] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain("dblink_exec can write, lock or reach the server");
  });
});

