// Guarded restore of a PostgreSQL backup: the whole database (pg_restore --clean, one transaction)
// or selected tables (TRUNCATE + the tables' data from the dump, one transaction through psql).
// Counts are checked against the manifest afterwards.
import { spawn } from "node:child_process";
import pg from "pg";
import { ActionInputError, type ActionPreview } from "../plugin-api";
import type { CatalogRow } from "./catalog";
import { compareCounts, libpq, pgConfig, type Source } from "./engine";

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export const PARTIAL_WARNING =
  "Partial restore: only the chosen tables go back to the backup's state. Rows in other tables that refer to them (or that they refer to) stay as they are now, which can leave the data inconsistent.";

/** "orders" or "public.orders" → the manifest's key "public.orders". */
function resolveTables(row: CatalogRow, tables: string[] | undefined): string[] {
  const all = Object.keys(row.manifest!.counts);
  if (!tables) return all;
  return tables.map((t) => {
    const hit = all.filter((k) => k === t || k.split(".").slice(1).join(".") === t);
    if (hit.length !== 1) throw new ActionInputError(`table "${t}" is not ${hit.length ? "unambiguous" : "in this backup"}`, { tables: [`"${t}" is not one table of the backup (${all.join(", ")})`] });
    return hit[0]!;
  });
}

async function liveCounts(url: string, tables: string[]): Promise<Record<string, number | null>> {
  const c = new pg.Client(pgConfig(url));
  c.on("error", () => {}); // a dropped connection surfaces on the next query
  await c.connect();
  try {
    const out: Record<string, number | null> = {};
    for (const t of tables) {
      const [s, ...rest] = t.split(".");
      try {
        out[t] = Number((await c.query<{ n: string }>(`select count(*) as n from ${quoteIdent(s!)}.${quoteIdent(rest.join("."))}`)).rows[0]!.n);
      } catch {
        out[t] = null; // the table is gone now
      }
    }
    return out;
  } finally {
    await c.end();
  }
}

export async function previewRestore(row: CatalogRow, source: Source, tables: string[] | undefined): Promise<ActionPreview> {
  if (source.kind !== "postgres" || row.manifest?.format !== "pg_dump-custom") throw new ActionInputError("restore is built for PostgreSQL targets only (pg_dump backups); the portal's SQLite store is restored by stopping the portal and copying the file back", { target: ["not a PostgreSQL target"] });
  const chosen = resolveTables(row, tables);
  const now = await liveCounts(source.url, chosen);
  const partial = !!tables && chosen.length < Object.keys(row.manifest.counts).length;
  const rows = chosen.map((t) => ({ table: t, "rows now": now[t] ?? "missing", "rows in backup": row.manifest!.counts[t]!, change: (row.manifest!.counts[t] ?? 0) - (now[t] ?? 0) }));
  const overwritten = chosen.reduce((n, t) => n + (now[t] ?? 0), 0);
  return {
    summary: `${partial ? `${PARTIAL_WARNING} ` : ""}Overwrite ${chosen.length} table(s) of ${row.target} (${overwritten} rows now) with backup ${row.id} taken ${row.manifest.endedAt}; a safety backup is taken first.`,
    count: overwritten,
    rows,
    before: now,
    after: Object.fromEntries(chosen.map((t) => [t, row.manifest!.counts[t]])),
  };
}

function pipeRun(first: { bin: string; args: string[] }, second: { bin: string; args: string[]; prefix: string }, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const a = spawn(first.bin, first.args, { stdio: ["ignore", "pipe", "pipe"], signal });
    const b = spawn(second.bin, second.args, { stdio: ["pipe", "ignore", "pipe"], signal, env });
    let errA = "";
    let errB = "";
    a.stderr!.on("data", (d) => (errA += d));
    b.stderr!.on("data", (d) => (errB += d));
    b.stdin!.write(second.prefix);
    a.stdout!.pipe(b.stdin!);
    let codeA: number | null = null;
    a.on("close", (c) => (codeA = c));
    a.on("error", reject);
    b.on("error", reject);
    b.on("close", (codeB) => {
      if (codeA !== 0 && codeA !== null) return reject(new Error(`pg_restore failed: ${errA.trim().split("\n").slice(-2).join(" ")}`));
      if (codeB !== 0) return reject(new Error(`restore rolled back: ${errB.trim().split("\n").slice(-2).join(" ")}`));
      resolve();
    });
  });
}

export async function restoreBackup(row: CatalogRow, source: Source, tables: string[] | undefined, ctx: { log(m: string): void; signal?: AbortSignal }): Promise<{ summary: string; rows: Record<string, unknown>[] }> {
  if (source.kind !== "postgres" || row.manifest?.format !== "pg_dump-custom") throw new ActionInputError("restore is built for PostgreSQL targets only", { target: ["not a PostgreSQL target"] });
  const chosen = resolveTables(row, tables);
  const { dsn: url, env } = libpq(source.url);
  if (!tables) {
    ctx.log(`restoring the whole database from ${row.id} (pg_restore --clean, one transaction)`);
    await new Promise<void>((resolve, reject) => {
      const p = spawn("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "-d", url, row.file!], { stdio: ["ignore", "ignore", "pipe"], signal: ctx.signal, env });
      let err = "";
      p.stderr!.on("data", (d) => (err += d));
      p.on("error", reject);
      p.on("close", (c) => (c === 0 ? resolve() : reject(new Error(`pg_restore failed, nothing changed (one transaction): ${err.trim().split("\n").slice(-2).join(" ")}`))));
    });
  } else {
    ctx.log(`restoring ${chosen.join(", ")} from ${row.id} (truncate + data, one transaction)`);
    const args = ["--data-only", "--no-owner", "--no-privileges", "-f", "-"];
    for (const t of chosen) {
      const [s, ...rest] = t.split(".");
      args.push("-n", s!, "-t", rest.join("."));
    }
    const truncate = `TRUNCATE ${chosen.map((t) => t.split(".").map(quoteIdent).join(".")).join(", ")};\n`;
    await pipeRun({ bin: "pg_restore", args: [...args, row.file!] }, { bin: "psql", args: ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", url], prefix: truncate }, env, ctx.signal);
  }
  const after = await liveCounts(source.url, chosen);
  const expected = Object.fromEntries(chosen.map((t) => [t, row.manifest!.counts[t]!]));
  const mismatches = compareCounts(expected, Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v ?? -1])));
  const rows = chosen.map((t) => ({ table: t, "rows in backup": expected[t], "rows after restore": after[t] }));
  if (mismatches.length) throw new Error(`restore finished but counts differ from the backup in ${mismatches.map((m) => m.table).join(", ")}: check the data (a safety backup was taken)`);
  ctx.log(`counts after restore match the backup in all ${chosen.length} table(s)`);
  return { summary: `restored ${chosen.length} table(s) from ${row.id}; counts match the backup`, rows };
}
