// A fresh database on the test PostgreSQL (127.0.0.1:5432) holding the demo shop's schema and
// seeded trouble, with a read-only role of its own for the supabase plugin's reads (roles are
// cluster-wide, so each database has its own, named after it); both dropped after the run.
import { execFileSync } from "node:child_process";
import pg from "pg";
import { shopSeedSql, SHOP_SCHEMA_SQL } from "../../demo/shop/postgres-seed";
import { freshDatabaseUrl } from "./portal";

export interface ShopDatabase {
  /** The superuser connection (the fixes write through it; reads must not). */
  url: string;
  /** A read-only role (pg_read_all_data, no LOGIN needed for SET ROLE from url's user). */
  readOnlyRole: string;
  /** The same role logging in by itself. */
  readOnlyUrl: string;
  /** The supabase plugin's connection settings for this database: writes by url, reads as readOnlyRole. */
  supabase: { databaseUrl: string; readOnlyRole: string };
  psql(sql: string): string;
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function shopDatabase(opts: { seed?: boolean } = {}): Promise<ShopDatabase> {
  const db = await freshDatabaseUrl("postgres");
  const parsed = new URL(db.url);
  if (!parsed.username) parsed.username = "postgres";
  const url = parsed.toString();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(SHOP_SCHEMA_SQL);
  if (opts.seed !== false) await client.query(shopSeedSql());
  const readOnlyRole = `${parsed.pathname.slice(1)}_ro`;
  await client.query(`create role ${readOnlyRole} login; grant pg_read_all_data to ${readOnlyRole}`);
  const ro = new URL(url);
  ro.username = readOnlyRole;
  const u = new URL(url);
  return {
    url,
    readOnlyRole,
    readOnlyUrl: ro.toString(),
    supabase: { databaseUrl: url, readOnlyRole },
    /** The hand-written check, through psql itself. */
    psql(sql: string) {
      return execFileSync("psql", ["-h", u.hostname, "-p", u.port || "5432", ...(u.username ? ["-U", u.username] : []), "-d", u.pathname.slice(1), "-X", "-tAc", sql], { encoding: "utf8" }).trim();
    },
    async query(sql, params = []) {
      return (await client.query(sql, params as any[])).rows;
    },
    async drop() {
      await client.end();
      await db.drop();
      const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, "/postgres") });
      await admin.connect();
      await admin.query(`drop role if exists ${readOnlyRole}`).finally(() => admin.end());
    },
  };
}
