// A fresh database on the test PostgreSQL (127.0.0.1:5432) holding the demo shop's schema and
// seeded trouble; dropped after the run.
import { execFileSync } from "node:child_process";
import pg from "pg";
import { shopSeedSql, SHOP_SCHEMA_SQL } from "../../demo/shop/postgres-seed";
import { freshDatabaseUrl } from "./portal";

export async function shopDatabase(opts: { seed?: boolean } = {}): Promise<{ url: string; psql(sql: string): string; query<T = any>(sql: string, params?: unknown[]): Promise<T[]>; drop(): Promise<void> }> {
  const db = await freshDatabaseUrl("postgres");
  const parsed = new URL(db.url);
  if (!parsed.username) parsed.username = "postgres";
  const url = parsed.toString();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(SHOP_SCHEMA_SQL);
  if (opts.seed !== false) await client.query(shopSeedSql());
  const u = new URL(url);
  return {
    url,
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
    },
  };
}
