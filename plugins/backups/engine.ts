// Backups and verification: pg_dump -Fc / pg_restore for PostgreSQL, better-sqlite3's online
// backup API for the portal's SQLite store. Dumps are streamed to a temporary name, hashed on the
// way, fsynced, then renamed; the catalog row turns `good` only after that.
import { execFile, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import SQLite from "better-sqlite3";
import pg from "pg";
import type { Catalog, CatalogRow, Manifest } from "./catalog";
import { exportCollections, restoreIntoScratch, type FirestoreSource } from "./firestore";

const execFileP = promisify(execFile);

/** A postgres URL without a user name means the OS user (like psql), even when $USER is unset. */
export function pgConfig(url: string): pg.ClientConfig {
  const u = new URL(url);
  if (!u.username) u.username = encodeURIComponent(process.env.PGUSER ?? process.env.USER ?? os.userInfo().username);
  return { connectionString: u.toString() };
}

/** The same server, another database (for scratch restores). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(pgConfig(url).connectionString!);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A URL for pg_dump/pg_restore/psql without its password (argv is visible to every local user in
 * `ps`): the password travels in the child's PGPASSWORD instead.
 */
export function libpq(url: string): { dsn: string; env: NodeJS.ProcessEnv } {
  const u = new URL(pgConfig(url).connectionString!);
  const env = { ...process.env };
  if (u.password) {
    env.PGPASSWORD = decodeURIComponent(u.password);
    u.password = "";
  }
  return { dsn: u.toString(), env };
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** What a backup reads from: a PostgreSQL URL, an SQLite file, or Firestore collections. */
export type Source = { kind: "postgres"; url: string } | { kind: "sqlite"; file: string } | FirestoreSource;

export interface RunLog {
  log(message: string): void;
  progress?(done: number, total?: number): void;
}

const toolVersions = new Map<string, string>();
async function toolVersion(bin: string): Promise<string> {
  if (!toolVersions.has(bin)) {
    const { stdout } = await execFileP(bin, ["--version"]);
    toolVersions.set(bin, stdout.trim());
  }
  return toolVersions.get(bin)!;
}

let adminVersion: string | null = null;
function firebaseAdminVersion(): string {
  if (adminVersion === null) {
    try {
      // The package does not export its package.json: walk up from its entry point.
      let dir = path.dirname(createRequire(path.join(process.cwd(), "package.json")).resolve("firebase-admin"));
      adminVersion = "unknown";
      for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (!fs.existsSync(file)) continue;
        const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "firebase-admin") {
          adminVersion = pkg.version ?? "unknown";
          break;
        }
      }
    } catch {
      adminVersion = "unknown";
    }
  }
  return adminVersion;
}

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function fsyncFile(file: string) {
  const fd = fs.openSync(file, "r+");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
function fsyncDir(dir: string) {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* some filesystems refuse fsync on directories */
  }
}

/** The user tables whose rows a manifest counts (schema, table): the backup and its verification list the same. */
const USER_TABLES = "select schemaname as s, tablename as t from pg_tables where schemaname not in ('pg_catalog','information_schema') and schemaname not like 'pg_temp%' order by 1, 2";

/** Exact row counts per user table (schema-qualified) through a pg client. */
async function pgCounts(client: pg.Client): Promise<Record<string, number>> {
  const tables = await client.query<{ s: string; t: string }>(USER_TABLES);
  const out: Record<string, number> = {};
  for (const { s, t } of tables.rows) {
    const r = await client.query<{ n: string }>(`select count(*) as n from ${quoteIdent(s)}.${quoteIdent(t)}`);
    out[`${s}.${t}`] = Number(r.rows[0]!.n);
  }
  return out;
}

/**
 * Row counts of a scratch database that pg_restore is filling, read as each table's data is in
 * (`pg_restore --verbose` names each item as it starts it, so the data item before it has been
 * committed): counting runs alongside the rest of the restore instead of after it. Only a plain
 * table that is no partition and has no inheritance children is counted early (nothing later in
 * the restore adds rows to it); every other table, and any the log did not name, is counted by
 * `finish()` once pg_restore has succeeded.
 */
class RestoreCounter {
  private readonly pool: pg.Pool;
  private loading: string | null = null;
  private readonly early = new Map<string, Promise<number | null>>();

  constructor(url: string) {
    this.pool = new pg.Pool({ ...pgConfig(url), max: 2 });
    this.pool.on("error", () => {}); // a dropped connection surfaces on the next query
    // Connected while pg_restore starts, not after it.
    for (let i = 0; i < 2; i++) this.pool.connect().then((c) => c.release(), () => {});
  }

  /** One line of `pg_restore --verbose`. */
  line(text: string): void {
    const started = /^pg_restore: processing data for table "(.+)"$/.exec(text);
    // Any next item means the data item before it is committed.
    if (this.loading && !this.early.has(this.loading)) this.early.set(this.loading, this.countIfFinal(this.loading));
    this.loading = started ? started[1]! : null;
  }

  private async countIfFinal(name: string): Promise<number | null> {
    try {
      const found = await this.pool.query<{ s: string; t: string }>(
        "select n.nspname as s, c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname || '.' || c.relname = $1 and c.relkind = 'r' and not c.relispartition and not exists (select 1 from pg_inherits i where i.inhparent = c.oid)",
        [name],
      );
      if (found.rows.length !== 1) return null;
      const { s, t } = found.rows[0]!;
      return Number((await this.pool.query<{ n: string }>(`select count(*) as n from ${quoteIdent(s)}.${quoteIdent(t)}`)).rows[0]!.n);
    } catch {
      return null; // counted again at the end
    }
  }

  /** Every table's count: the early ones, and the rest read now. */
  async finish(): Promise<Record<string, number>> {
    const tables = (await this.pool.query<{ s: string; t: string }>(USER_TABLES)).rows;
    const counts = await Promise.all(
      tables.map(async ({ s, t }) => {
        const name = `${s}.${t}`;
        const early = await this.early.get(name);
        if (typeof early === "number") return [name, early] as const;
        return [name, Number((await this.pool.query<{ n: string }>(`select count(*) as n from ${quoteIdent(s)}.${quoteIdent(t)}`)).rows[0]!.n)] as const;
      }),
    );
    return Object.fromEntries(counts);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.early.values());
    await this.pool.end().catch(() => {});
  }
}

function sqliteCounts(db: SQLite.Database): Record<string, number> {
  const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[];
  const out: Record<string, number> = {};
  for (const { name } of tables) out[name] = Number((db.prepare(`select count(*) as n from ${quoteIdent(name)}`).get() as { n: number }).n);
  return out;
}

/** Latest applied migration in a store that uses Kysely's migrator, else null. */
function sqliteSchemaVersion(db: SQLite.Database): string | null {
  try {
    const r = db.prepare("select name from kysely_migration order by name desc limit 1").get() as { name: string } | undefined;
    return r?.name ?? null;
  } catch {
    return null;
  }
}
async function pgSchemaVersion(client: pg.Client): Promise<string | null> {
  const v = await client.query<{ v: string }>("select current_setting('server_version') as v");
  let migration: string | null = null;
  // Never let a query fail here: it would abort the transaction that holds the dump's snapshot.
  const has = await client.query<{ t: string | null }>("select to_regclass('kysely_migration')::text as t");
  if (has.rows[0]?.t) {
    const r = await client.query<{ name: string }>("select name from kysely_migration order by name desc limit 1");
    migration = r.rows[0]?.name ?? null;
  }
  return `server ${v.rows[0]!.v}${migration ? `; migration ${migration}` : ""}`;
}

function runTool(bin: string, args: string[], opts: { env?: NodeJS.ProcessEnv; stdoutTo?: fs.WriteStream; hash?: crypto.Hash; signal?: AbortSignal; onBytes?: (n: number) => void; onStderrLine?: (line: string) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", opts.stdoutTo ? "pipe" : "ignore", "pipe"], signal: opts.signal, env: opts.env });
    // The tail is kept: the lines that say why a tool failed come last.
    let stderr = "";
    let partial = "";
    child.stderr!.on("data", (d: Buffer) => {
      const text = d.toString();
      stderr = (stderr + text).slice(-4000);
      if (!opts.onStderrLine) return;
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) opts.onStderrLine(line);
    });
    let written = 0;
    let streamDone: Promise<void> = Promise.resolve();
    if (opts.stdoutTo) {
      const out = opts.stdoutTo;
      child.stdout!.on("data", (d: Buffer) => {
        opts.hash?.update(d);
        written += d.length;
        opts.onBytes?.(written);
        if (!out.write(d)) {
          child.stdout!.pause();
          out.once("drain", () => child.stdout!.resume());
        }
      });
      streamDone = new Promise((res, rej) => {
        child.stdout!.on("end", () => out.end());
        out.on("finish", () => res());
        out.on("error", rej);
      });
    }
    child.on("error", reject);
    child.on("close", (code, sig) => {
      if (partial && opts.onStderrLine) opts.onStderrLine(partial);
      streamDone.then(
        () => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} failed (${sig ?? `exit ${code}`}): ${stderr.trim().split("\n").slice(-3).join(" ") || "no message"}`))),
        reject,
      );
    });
  });
}

export interface BackupOptions {
  id: string;
  target: string;
  source: Source;
  dir: string;
  catalog: Catalog;
  now?: () => number;
  run?: RunLog;
  signal?: AbortSignal;
}

/** Takes one backup; the catalog row is `good` only when it returns. */
export async function takeBackup(o: BackupOptions): Promise<CatalogRow> {
  const now = o.now ?? Date.now;
  const targetDir = path.join(o.dir, o.target);
  fs.mkdirSync(targetDir, { recursive: true });
  const ext = o.source.kind === "postgres" ? "dump" : o.source.kind === "firestore" ? "ndjson" : "sqlite";
  const final = path.join(targetDir, `${o.id}.${ext}`);
  const temp = path.join(targetDir, `.tmp-${o.id}.${ext}`);
  const startedAt = now();
  await o.catalog.begin({ id: o.id, target: o.target, kind: o.source.kind, file: final, startedAt });
  try {
    let counts: Record<string, number>;
    let schemaVersion: string | null;
    let digests: Record<string, string> | undefined;
    const tools: Record<string, string> = { node: process.version };
    const hash = crypto.createHash("sha256");
    if (o.source.kind === "postgres") {
      tools.pg_dump = await toolVersion("pg_dump");
      // Counts and dump share one snapshot: the counts are exactly what the dump holds.
      const client = new pg.Client(pgConfig(o.source.url));
      client.on("error", () => {}); // a dropped connection surfaces on the next query
      await client.connect();
      try {
        await client.query("begin isolation level repeatable read read only");
        const snap = (await client.query<{ s: string }>("select pg_export_snapshot() as s")).rows[0]!.s;
        o.run?.log("dumping with pg_dump -Fc; counting rows in the same snapshot meanwhile");
        let lastLogged = 0;
        const { dsn, env } = libpq(o.source.url);
        // The dump and the counts run side by side (both read the exported snapshot, so they agree);
        // either failing stops the other.
        const stop = new AbortController();
        const onAbort = () => stop.abort();
        o.signal?.addEventListener("abort", onAbort, { once: true });
        try {
          const dumping = runTool("pg_dump", ["-Fc", "--snapshot", snap, "-d", dsn], {
            env,
            stdoutTo: fs.createWriteStream(temp, { flags: "wx" }),
            hash,
            signal: stop.signal,
            onBytes: (n) => {
              if (n - lastLogged >= 16 * 1024 * 1024) {
                lastLogged = n;
                o.run?.log(`… ${(n / 1048576).toFixed(0)} MB written`);
              }
            },
          });
          const counting = (async () => {
            const c = await pgCounts(client);
            return { counts: c, schemaVersion: await pgSchemaVersion(client) };
          })();
          const [, read] = await Promise.all([dumping, counting].map((p) => p.catch((err) => (stop.abort(), Promise.reject(err)))));
          ({ counts, schemaVersion } = read as { counts: Record<string, number>; schemaVersion: string | null });
        } finally {
          o.signal?.removeEventListener("abort", onAbort);
        }
        o.run?.log(`dumped ${Object.keys(counts).length} tables (${Object.values(counts).reduce((a, b) => a + b, 0)} rows)`);
        await client.query("rollback");
      } finally {
        await client.end().catch(() => {});
      }
    } else if (o.source.kind === "firestore") {
      tools["firebase-admin"] = firebaseAdminVersion();
      const s = o.source;
      o.run?.log(`exporting ${s.collections.length} collection(s) of project ${s.service.projectId}${s.service.emulator ? " (emulator)" : ""} as NDJSON`);
      ({ counts, digests } = await exportCollections(s, fs.createWriteStream(temp, { flags: "wx" }), hash, o.run, o.signal));
      schemaVersion = null;
    } else {
      tools["better-sqlite3"] = "online backup API";
      tools.sqlite = (new SQLite(":memory:").prepare("select sqlite_version() as v").get() as { v: string }).v;
      const src = new SQLite(o.source.file, { readonly: true, fileMustExist: true });
      try {
        await src.backup(temp, {
          progress: ({ totalPages, remainingPages }) => {
            o.run?.progress?.(totalPages - remainingPages, totalPages);
            return 256;
          },
        });
      } finally {
        src.close();
      }
      const copy = new SQLite(temp, { readonly: true });
      try {
        counts = sqliteCounts(copy);
        schemaVersion = sqliteSchemaVersion(copy);
      } finally {
        copy.close();
      }
      for await (const chunk of fs.createReadStream(temp)) hash.update(chunk as Buffer);
    }
    fsyncFile(temp);
    const size = fs.statSync(temp).size;
    const endedAt = now();
    const manifest: Manifest = {
      id: o.id,
      target: o.target,
      kind: o.source.kind,
      format: o.source.kind === "postgres" ? "pg_dump-custom" : o.source.kind === "firestore" ? "firestore-ndjson" : "sqlite",
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      size,
      sha256: hash.digest("hex"),
      counts,
      ...(digests ? { digests } : {}),
      schemaVersion,
      tools,
    };
    const manifestTemp = path.join(targetDir, `.tmp-${o.id}.manifest.json`);
    fs.writeFileSync(manifestTemp, JSON.stringify(manifest, null, 2), { flag: "wx" });
    fsyncFile(manifestTemp);
    fs.renameSync(temp, final);
    fs.renameSync(manifestTemp, path.join(targetDir, `${o.id}.manifest.json`));
    fsyncDir(targetDir);
    await o.catalog.good(o.id, manifest, endedAt);
    o.run?.log(`backup ${o.id}: ${formatBytes(size)}, sha256 ${manifest.sha256.slice(0, 12)}…`);
    return (await o.catalog.get(o.id))!;
  } catch (e) {
    for (const f of [temp, path.join(targetDir, `.tmp-${o.id}.manifest.json`), final]) fs.rmSync(f, { force: true });
    await o.catalog.failed(o.id, e instanceof Error ? e.message : String(e), now()).catch(() => {});
    throw e;
  }
}

/** Removes what an interrupted backup left: its temporary files (and a final file never marked good). */
export function removeLeftovers(row: CatalogRow) {
  if (!row.file) return;
  const dir = path.dirname(row.file);
  const ext = path.extname(row.file);
  for (const f of [path.join(dir, `.tmp-${row.id}${ext}`), path.join(dir, `.tmp-${row.id}.manifest.json`), row.file, path.join(dir, `${row.id}.manifest.json`)]) fs.rmSync(f, { force: true });
}

export interface VerifyResult {
  status: "passed" | "failed";
  detail: string;
  rtoMs: number | null;
  rpoMs: number;
  mismatches: { table: string; manifest: number | null; restored: number | null }[];
}

/**
 * Checksum, then a real restore into a scratch place (a scratch database on the same server,
 * created and dropped; a temp SQLite file), then counts against the manifest.
 */
export async function verifyBackup(row: CatalogRow, o: { source: Source; catalog: Catalog; now?: () => number; run?: RunLog; signal?: AbortSignal }): Promise<VerifyResult> {
  const now = o.now ?? Date.now;
  const rpoMs = now() - (row.endedAt ?? row.startedAt);
  const done = async (r: Omit<VerifyResult, "rpoMs">): Promise<VerifyResult> => {
    await o.catalog.verified(row.id, { at: now(), status: r.status, detail: r.detail, rtoMs: r.rtoMs, rpoMs });
    o.run?.log(`verify ${row.id}: ${r.status} — ${r.detail}`);
    return { ...r, rpoMs };
  };
  const finish = (restored: Record<string, number>, rtoMs: number) => {
    const mismatches = compareCounts(row.manifest!.counts, restored);
    if (mismatches.length) return done({ status: "failed", detail: `restored counts differ from the manifest in ${mismatches.length} table(s): ${mismatches.slice(0, 3).map((m) => `${m.table} ${m.restored ?? "missing"} vs ${m.manifest ?? "absent"}`).join(", ")}`, rtoMs, mismatches });
    const total = Object.values(restored).reduce((a, b) => a + b, 0);
    const [units, items] = row.manifest!.format === "firestore-ndjson" ? ["collections", "documents"] : ["tables", "rows"];
    return done({ status: "passed", detail: `restored ${Object.keys(restored).length} ${units}, ${total} ${items}, counts match the manifest; restore took ${(rtoMs / 1000).toFixed(1)} s`, rtoMs, mismatches: [] });
  };
  if (row.status !== "good" || !row.manifest || !row.file) return done({ status: "failed", detail: `backup is ${row.status}, not a finished backup`, rtoMs: null, mismatches: [] });
  if (!fs.existsSync(row.file)) return done({ status: "failed", detail: "backup file is missing", rtoMs: null, mismatches: [] });
  const mismatch = (sum: string) => done({ status: "failed", detail: `checksum mismatch: file ${sum.slice(0, 12)}…, manifest ${row.manifest!.sha256.slice(0, 12)}…`, rtoMs: null, mismatches: [] });
  if (row.manifest.format === "pg_dump-custom") {
    // A dump's checksum is read while pg_restore reads the same file into the scratch database: a
    // mismatch stops the restore and is the verdict; a match still needs the restore to pass.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    o.signal?.addEventListener("abort", onAbort, { once: true });
    const summing = sha256File(row.file).then((sum) => {
      if (sum !== row.manifest!.sha256) stop.abort();
      return sum;
    });
    try {
      const restoring = verifyPgDump(row, o.source, stop.signal, o.run);
      const [sum, restored] = await Promise.all([summing, restoring.catch((e: Error) => e)]);
      if (sum !== row.manifest.sha256) return mismatch(sum);
      if (restored instanceof Error) return done({ status: "failed", detail: `restore into a scratch database failed: ${restored.message}`, rtoMs: null, mismatches: [] });
      return finish(restored.counts, restored.rtoMs);
    } finally {
      o.signal?.removeEventListener("abort", onAbort);
    }
  }
  const sum = await sha256File(row.file);
  if (sum !== row.manifest.sha256) return mismatch(sum);
  o.run?.log("checksum matches the manifest; restoring into a scratch place");

  let restored: Record<string, number>;
  const t0 = performance.now();
  let rtoMs: number;
  if (row.manifest.format === "firestore-ndjson") {
    if (o.source.kind !== "firestore") throw new Error("a Firestore backup needs the firestore.collections service to restore into");
    try {
      const r = await restoreIntoScratch(row, o.source, o.signal);
      if (r.digestMismatch.length) return await done({ status: "failed", detail: `restored lines differ from the manifest's digest in ${r.digestMismatch.join(", ")}`, rtoMs: null, mismatches: [] });
      restored = r.restored;
    } catch (e) {
      return await done({ status: "failed", detail: `restore into a scratch emulator project failed: ${(e as Error).message}`, rtoMs: null, mismatches: [] });
    }
    rtoMs = Math.round(performance.now() - t0);
  } else {
    const tmp = path.join(os.tmpdir(), `backups-verify-${crypto.randomBytes(6).toString("hex")}.sqlite`);
    try {
      fs.copyFileSync(row.file, tmp);
      let db: SQLite.Database;
      try {
        db = new SQLite(tmp, { fileMustExist: true });
        const check = db.prepare("pragma integrity_check").all() as { integrity_check: string }[];
        if (check.length !== 1 || check[0]!.integrity_check !== "ok") {
          db.close();
          return await done({ status: "failed", detail: `integrity_check: ${check.map((c) => c.integrity_check).slice(0, 3).join("; ")}`, rtoMs: null, mismatches: [] });
        }
        restored = sqliteCounts(db);
        db.close();
      } catch (e) {
        return await done({ status: "failed", detail: `the restored copy does not open: ${(e as Error).message}`, rtoMs: null, mismatches: [] });
      }
      rtoMs = Math.round(performance.now() - t0);
    } finally {
      for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
    }
  }
  return finish(restored, rtoMs);
}

/**
 * A pg_dump backup restored into a scratch database created for it and dropped after; counts read
 * there. Throws when the restore fails (or `signal` stops it).
 */
async function verifyPgDump(row: CatalogRow, source: Source, signal: AbortSignal, run?: RunLog): Promise<{ counts: Record<string, number>; rtoMs: number }> {
  if (source.kind !== "postgres") throw new Error("a pg_dump backup needs a PostgreSQL server to restore into");
  run?.log("restoring into a scratch database while the checksum is read");
  const t0 = performance.now();
  const scratch = `backups_verify_${crypto.randomBytes(6).toString("hex")}`;
  const admin = new pg.Client(pgConfig(source.url));
  admin.on("error", () => {}); // a dropped connection surfaces on the next query
  await admin.connect();
  try {
    await admin.query(`create database ${quoteIdent(scratch)}`);
    const scratchUrl = withDatabase(source.url, scratch);
    try {
      const { dsn, env } = libpq(scratchUrl);
      const counter = new RestoreCounter(scratchUrl);
      try {
        await runTool("pg_restore", ["--verbose", "--no-owner", "--no-privileges", "--exit-on-error", "-d", dsn, row.file!], { signal, env, onStderrLine: (line) => counter.line(line) });
        const rtoMs = Math.round(performance.now() - t0);
        return { counts: await counter.finish(), rtoMs };
      } finally {
        await counter.close();
      }
    } finally {
      await admin.query(`drop database if exists ${quoteIdent(scratch)} with (force)`).catch(() => {});
    }
  } finally {
    await admin.end().catch(() => {});
  }
}

export function compareCounts(manifest: Record<string, number>, restored: Record<string, number>) {
  const out: { table: string; manifest: number | null; restored: number | null }[] = [];
  for (const t of new Set([...Object.keys(manifest), ...Object.keys(restored)])) {
    const a = manifest[t] ?? null;
    const b = restored[t] ?? null;
    if (a !== b) out.push({ table: t, manifest: a, restored: b });
  }
  return out;
}

/** An age in the unit an operator reads it in: minutes, hours (up to two days), days. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1073741824) return `${(n / 1048576).toFixed(1)} MB`;
  return `${(n / 1073741824).toFixed(2)} GB`;
}
