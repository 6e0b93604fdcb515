// Backups against bare pg_dump / pg_restore, side by side in one run on a generated database of
// about 100 MB on the real PostgreSQL (127.0.0.1:5432; created and dropped here).
//
// backup_overhead_ratio  portal backup (snapshot-consistent row counts + pg_dump -Fc streamed
//                        through SHA-256 to a temp file, fsync, rename, manifest, catalog) ÷ bare
//                        `pg_dump -Fc -f file`. Best of 2 each. Goal ≤ 1.10.
// verify_overhead_ratio  portal verify (checksum + scratch database + pg_restore + counts + drop)
//                        ÷ bare create database + `pg_restore -d` + drop. Best of 2. Goal ≤ 1.15.
// backup_rss_mb          growth of this process's RSS during the portal backup (sampled every
//                        20 ms): the dump streams, it is never buffered. Goal ≤ 50.
// backup_db_mb, backup_dump_mb  the database's size and the dump's, for context.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import pg from "pg";
import { Catalog, migrations } from "../plugins/backups/catalog";
import { takeBackup, verifyBackup } from "../plugins/backups/engine";
import { freshDatabaseUrl } from "../tests/helpers/portal";

const round = (n: number) => Math.round(n * 100) / 100;

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export async function run(): Promise<Record<string, number>> {
  const db = await freshDatabaseUrl("postgres");
  const u = new URL(db.url);
  if (!u.username) u.username = "postgres";
  const url = u.toString();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-backups-"));
  const sqlite = new SQLite(path.join(dir, "catalog.sqlite"));
  const kdb = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query("create table events (id bigint primary key, kind text not null, payload text not null, at timestamptz not null)");
    await c.query("insert into events select g, 'k' || (g % 17), md5(g::text) || md5((g * 3)::text) || md5(random()::text), now() - g * interval '1 second' from generate_series(1, 700000) g");
    await c.query("create table customers (id int primary key, email text, note text)");
    await c.query("insert into customers select g, 'c' || g || '@example.com', repeat(md5(g::text), 2) from generate_series(1, 100000) g");
    await c.query("vacuum analyze");
    const dbMb = Number((await c.query("select pg_database_size(current_database()) as n")).rows[0].n) / 1048576;
    await c.end();
    for (const m of Object.values(migrations)) await m.up(kdb);
    const catalog = new Catalog(kdb);

    // Bare pg_dump -Fc to a file, and the portal's backup; best of two each, interleaved.
    let bareDump = Infinity;
    let portalDump = Infinity;
    let rssMb = 0;
    let last = null as Awaited<ReturnType<typeof takeBackup>> | null;
    for (let i = 0; i < 2; i++) {
      const f = path.join(dir, `bare-${i}.dump`);
      bareDump = Math.min(bareDump, timed(() => execFileSync("pg_dump", ["-Fc", "-f", f, "-d", url])));
      fs.rmSync(f);
      global.gc?.();
      const base = process.memoryUsage().rss;
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const t = performance.now();
      last = await takeBackup({ id: `bench-${i}-${crypto.randomBytes(3).toString("hex")}`, target: "bench", source: { kind: "postgres", url }, dir, catalog });
      portalDump = Math.min(portalDump, performance.now() - t);
      clearInterval(sampler);
      rssMb = Math.max(rssMb, (peak - base) / 1048576);
    }

    // Bare create + pg_restore + drop, and the portal's verify; best of two each.
    let bareRestore = Infinity;
    let portalVerify = Infinity;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    for (let i = 0; i < 2; i++) {
      const scratch = `bench_restore_${crypto.randomBytes(4).toString("hex")}`;
      const t = performance.now();
      await admin.query(`create database ${scratch}`);
      const s = new URL(url);
      s.pathname = `/${scratch}`;
      execFileSync("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "-d", s.toString(), last!.file!]);
      await admin.query(`drop database ${scratch} with (force)`);
      bareRestore = Math.min(bareRestore, performance.now() - t);
      const t2 = performance.now();
      const v = await verifyBackup(last!, { source: { kind: "postgres", url }, catalog });
      if (v.status !== "passed") throw new Error(`verify failed: ${v.detail}`);
      portalVerify = Math.min(portalVerify, performance.now() - t2);
    }
    await admin.end();
    return {
      backup_overhead_ratio: round(portalDump / bareDump),
      verify_overhead_ratio: round(portalVerify / bareRestore),
      backup_rss_mb: round(rssMb),
      backup_db_mb: round(dbMb),
      backup_dump_mb: round((last!.size ?? 0) / 1048576),
      backup_bare_pg_dump_ms: Math.round(bareDump),
      backup_portal_ms: Math.round(portalDump),
      verify_bare_pg_restore_ms: Math.round(bareRestore),
      verify_portal_ms: Math.round(portalVerify),
    };
  } finally {
    await kdb.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}
