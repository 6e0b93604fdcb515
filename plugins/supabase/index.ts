import fs from "node:fs";
import { supabaseDoctor } from "./doctor";
import path from "node:path";
import { definePlugin, provide, type ActionDefinition, type Logger, type ProbeDefinition } from "../plugin-api";
import { ordersRef } from "../orders-api";
import { sqlRef } from "./api";
import { expireCouponReservation } from "./actions/expire-coupon-reservation";
import { confirmOrder, setPaymentIntent } from "./actions/order-fixes";
import { queryAction } from "./actions/query";
import { createSupabase } from "./client.server";
import { OrderHealthSchema, SupabaseConfigSchema, type SupabaseConfig } from "./config";
import { createOrdersLedger } from "./ledger";
import { orderHealthChecks, webhookEventChecks } from "./presets";
import { migrationStatus } from "./probes/migrations";
import { restReachable } from "./probes/rest";
import { sqlProbe } from "./probes/sql-probe";
import { storageBuckets, storagePath } from "./probes/storage";
import { seedDemoStorage, startSupabaseSandbox } from "./sandbox";
import { createPool, SqlRunner, toSqlError } from "./sql";
import { loadSqlParser, SqlGuard, SqlRefused } from "./sql-guard";
import { readRoleProbe } from "./probes/read-role";
import { parseDuration } from "../plugin-api";

/** A start refusal the portal prints like a config error: one line per problem, naming the key. */
class StartRefused extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** Connection errors that no retry will fix: wrong password, unknown user or database. */
const DEFINITIVE = new Set(["28P01", "28000", "3D000", "42501"]);

/**
 * At start, with the database reachable: each configured query must parse and plan (EXPLAIN, in a
 * read-only transaction; nothing runs). An unreachable database only warns: its probes show why.
 */
async function checkAtStart(runner: SqlRunner, config: SupabaseConfig, log: Logger): Promise<void> {
  try {
    const found = await runner.inspectRole();
    if (found.problems.length) log.warn({ role: found.role, problems: found.problems }, `supabase: ${runner.withheld}`);
  } catch (err) {
    const e = toSqlError(err);
    if (e.code && DEFINITIVE.has(e.code)) throw new StartRefused([`plugins.supabase.${config.readOnlyDatabaseUrl ? "readOnlyDatabaseUrl" : "databaseUrl"}: ${e.message}`]);
    log.warn({ err: e.message }, "supabase: the database is not reachable now; its read role is checked before the first read, and its probes will show why");
    return;
  }
  if (runner.withheld) return;
  const problems: string[] = [];
  for (const [name, q] of Object.entries(config.queries)) {
    try {
      await runner.readOnly((tx) => tx(`explain ${q.sql}`, [], 1000), { statementTimeoutMs: 5000, maxRows: 1000 });
    } catch (err) {
      const e = toSqlError(err);
      if (e.code?.startsWith("42")) problems.push(`plugins.supabase.queries.${name}.sql: ${e.message}`);
    }
  }
  if (problems.length) throw new StartRefused(problems);
}

/** Configured queries pass the same statement check as runbook SQL, before anything connects. */
function guardConfiguredQueries(guard: SqlGuard, config: SupabaseConfig): void {
  const problems: string[] = [];
  for (const [name, q] of Object.entries(config.queries)) {
    try {
      guard.check(q.sql);
    } catch (err) {
      if (err instanceof SqlRefused) problems.push(`plugins.supabase.queries.${name}.sql: ${err.message}`);
      else throw err;
    }
  }
  if (problems.length) throw new StartRefused(problems);
}

export default definePlugin<SupabaseConfig>({
  id: "supabase",
  title: "Supabase / Postgres",
  description: "Read-only SQL health checks, REST and Storage reachability, the orders ledger and single-row fixes.",
  config: SupabaseConfigSchema,
  doctor: supabaseDoctor,
  provides: [ordersRef, sqlRef],
  async demo({ dataDir, log, world }) {
    if (!world) throw new Error("supabase demo: needs the demo world (its shop Postgres)");
    const databaseUrl = await world.waitFor<string>("postgres.url", 120_000);
    const migrationsDir = world.get<string>("postgres.migrations");
    const storageDir = path.join(dataDir, "storage");
    fs.rmSync(storageDir, { recursive: true, force: true });
    seedDemoStorage(storageDir);
    const sandbox = await startSupabaseSandbox({ databaseUrl, storageDir });
    log.info({ url: sandbox.url, engine: world.get("postgres.engine") }, "supabase sandbox started over the demo shop's Postgres");
    return {
      config: {
        url: sandbox.url,
        serviceRoleKey: sandbox.serviceRoleKey,
        databaseUrl,
        // The shop's read-only role (a login of its own, or SET ROLE on PGlite): never the superuser.
        ...(world.get<{ readOnlyDatabaseUrl: string } | { readOnlyRole: string }>("postgres.readOnly") ?? {}),
        presets: ["order-health"],
        orders: {},
        coupons: {},
        ...(migrationsDir ? { migrations: { folder: migrationsDir } } : {}),
        webhookEvents: {},
        queries: {
          "paid-last-hour": {
            title: "Orders paid in the last hour",
            sql: "select count(*) as paid_last_hour from orders where paid_at > now() - interval '1 hour'",
            measure: "value",
            unit: "orders",
          },
        },
        rest: { tables: ["orders", "coupon_reservations"] },
        storage: {
          buckets: ["claim-documents", "invoices"],
          paths: {
            "claim-documents": { bucket: "claim-documents", prefix: "claims/CLM-2041" },
            invoices: { bucket: "invoices", prefix: "2026", measure: "newest-age", thresholds: { warn: "> 1440", critical: "> 4320" } },
          },
        },
      },
      stop: () => sandbox.stop(),
    };
  },
  async setup({ config, log }) {
    const probes: ProbeDefinition[] = [];
    const actions: ActionDefinition[] = [];
    const provides: Record<string, unknown> = {};
    const stops: (() => Promise<void>)[] = [];
    const statementTimeoutMs = parseDuration(config.statementTimeout);

    if (config.databaseUrl) {
      await loadSqlParser();
      const guard = new SqlGuard({ allowFunctions: config.allowFunctions, statementTimeoutMs });
      guardConfiguredQueries(guard, config);
      // The fixes write through databaseUrl; every read goes through the read pool and its role.
      const pool = createPool(config.databaseUrl, log);
      stops.push(() => pool.end());
      let readPool = pool;
      if (config.readOnlyDatabaseUrl) {
        readPool = createPool(config.readOnlyDatabaseUrl, log);
        const own = readPool;
        stops.push(() => own.end());
      }
      const runner = new SqlRunner(readPool, { statementTimeoutMs, maxRows: config.maxRows, log, guard, readOnlyRole: config.readOnlyRole });
      try {
        await checkAtStart(runner, config, log);
      } catch (err) {
        for (const s of stops) await s().catch(() => {});
        throw err;
      }
      // A role that can write or reach the OS: no sql service for other plugins and runbook blocks;
      // supabase.query refuses and the read-role probe tells the overview why and how to fix it.
      if (!runner.withheld) Object.assign(provides, provide(sqlRef, runner));
      probes.push(readRoleProbe(runner));
      actions.push(queryAction(runner));
      for (const [name, q] of Object.entries(config.queries)) probes.push(sqlProbe(name, q, runner));
      if (config.presets.includes("order-health")) {
        const mapping = config.orderHealth ?? OrderHealthSchema.parse(config.orders ? { orders: config.orders, ...(config.coupons ? { coupons: config.coupons } : {}) } : {});
        for (const [id, spec] of Object.entries(orderHealthChecks(mapping))) probes.push(sqlProbe(id, spec, runner));
      }
      if (config.migrations) probes.push(migrationStatus(config.migrations, runner));
      if (config.webhookEvents) for (const [id, spec] of Object.entries(webhookEventChecks(config.webhookEvents))) probes.push(sqlProbe(id, spec, runner));
      if (config.orders) {
        Object.assign(provides, provide(ordersRef, createOrdersLedger(runner, config.orders, log)));
        actions.push(confirmOrder(pool, statementTimeoutMs, config.orders), setPaymentIntent(pool, statementTimeoutMs, config.orders));
      }
      if (config.coupons) actions.push(expireCouponReservation(pool, statementTimeoutMs, config.coupons));
    }

    if (config.rest.tables.length || config.storage.buckets.length || Object.keys(config.storage.paths).length) {
      const supabase = createSupabase(config.url, config.serviceRoleKey);
      for (const table of config.rest.tables) probes.push(restReachable(table, supabase));
      if (config.storage.buckets.length) probes.push(storageBuckets(config.storage.buckets, supabase));
      for (const [name, p] of Object.entries(config.storage.paths)) probes.push(storagePath(name, p, supabase));
      stops.push(async () => {
        await supabase.removeAllChannels();
      });
    }

    return {
      probes,
      actions,
      provides,
      async stop() {
        for (const s of stops) await s().catch(() => {});
      },
    };
  },
});
