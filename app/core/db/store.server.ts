import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type MigrationProvider } from "kysely";
import pg from "pg";
import type { PluginDefinition } from "../../../plugins/plugin-api";
import { startCheckpointer, type Checkpointer } from "./checkpointer.server";
import type { Database } from "./schema";
import { migrations } from "./migrations";

export type Dialect = "sqlite" | "postgres";

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** A human-readable location without credentials. */
  location: string;
  /** SQLite only: the underlying connection, for hot paths that keep prepared statements (audit append). Use only while holding `db.connection()`. */
  sqlite?: SQLite.Database;
  /** SQLite file only: the worker that checkpoints the WAL off the event loop (see checkpointer.server). */
  checkpointer?: Checkpointer;
  close(): Promise<void>;
}

// int8 (bigint) columns hold epoch milliseconds and sequence numbers: safe as JS numbers.
pg.types.setTypeParser(20, (v) => Number(v));

export function describeDatabaseUrl(url: string): { dialect: Dialect; target: string } {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: "postgres", target: url };
  if (url.startsWith("sqlite:")) return { dialect: "sqlite", target: url.replace(/^sqlite:(\/\/)?/, "") };
  return { dialect: "sqlite", target: url };
}

/** A postgres URL without a user name means the OS user (like psql), even when $USER is unset. */
export function pgConnection(url: string): pg.ClientConfig {
  const hasUser = /^postgres(ql)?:\/\/[^/@]+@/.test(url);
  if (hasUser) return { connectionString: url };
  const user = encodeURIComponent(process.env.PGUSER ?? process.env.USER ?? os.userInfo().username);
  return { connectionString: url.replace(/^(postgres(?:ql)?:\/\/)/, `$1${user}@`) };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]*)@/, "//$1:[redacted]@");
}

export async function openStore(databaseUrl: string): Promise<Store> {
  const { dialect, target } = describeDatabaseUrl(databaseUrl);
  if (dialect === "postgres") {
    const pool = new pg.Pool({ ...pgConnection(target), max: 10 });
    pool.on("error", () => {}); // idle-client errors surface on the next query
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect, location: redactUrl(target), close: () => db.destroy() };
  }
  if (target !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const sqlite = new SQLite(target);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const checkpointer = target === ":memory:" || target === "" ? undefined : startCheckpointer(sqlite, path.resolve(target));
  return {
    db,
    dialect,
    location: path.resolve(target),
    sqlite,
    checkpointer,
    async close() {
      await checkpointer?.stop();
      await db.destroy();
      // Kysely closes the connection only if it ever opened its driver.
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * Kysely prepares every query anew; on SQLite preparing costs as much as a small write. Statements
 * are kept by their SQL text (SQLite re-prepares them itself after a schema change), a busy one
 * (a streaming read still iterating) is never handed out twice, and long generated SQL (bulk
 * inserts) is not kept.
 */
export function withStatementCache(sqlite: SQLite.Database, max = 500): { prepare(sql: string): SQLite.Statement; close(): void } {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string) {
      const cached = statements.get(sql);
      if (cached && !cached.busy) return cached;
      const stmt = sqlite.prepare(sql);
      if (sql.length <= 4_000) {
        if (statements.size >= max) statements.delete(statements.keys().next().value!);
        statements.set(sql, stmt);
      }
      return stmt;
    },
    close: () => sqlite.close(),
  };
}

class ListProvider implements MigrationProvider {
  constructor(private readonly list: Record<string, Migration>) {}
  async getMigrations() {
    return this.list;
  }
}

/**
 * Core migrations, then each plugin's (named `plugin-<id>-<name>`, so they sort after the core's).
 * Plugin migrations of every installed plugin run, enabled or not, so a plugin's tables exist
 * before its section is configured.
 */
export async function migrate(store: Store, plugins: readonly PluginDefinition[] = []): Promise<string[]> {
  const all: Record<string, Migration> = { ...migrations };
  for (const plugin of plugins) {
    for (const [name, m] of Object.entries(plugin.migrations ?? {})) all[`plugin-${plugin.id}-${name}`] = { up: (db) => m.up(db) };
  }
  const migrator = new Migrator({ db: store.db, provider: new ListProvider(all), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new Error(`database migration ${failed?.migrationName ?? ""} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

export async function ping(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}
