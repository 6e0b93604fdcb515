// Migration status: the latest version recorded in schema_migrations against the files in the
// migrations folder (when configured).
import fs from "node:fs";
import { probe, type ProbeDefinition } from "../../plugin-api";
import type { MigrationsConfig } from "../config";
import { qi } from "../ident";
import type { SqlRunner } from "../sql";

const FILE = /^(\d+)[_-]?(.*)\.sql$/;

export function migrationFiles(folder: string): { version: string; file: string }[] {
  return fs
    .readdirSync(folder)
    .map((file) => ({ file, m: FILE.exec(file) }))
    .filter((x) => x.m)
    .map((x) => ({ version: x.m![1]!, file: x.file }))
    .sort((a, b) => a.version.localeCompare(b.version));
}

export function migrationStatus(cfg: MigrationsConfig, runner: SqlRunner): ProbeDefinition {
  return probe({
    id: "migration-status",
    title: "Migrations applied",
    description: cfg.folder
      ? `Versions in ${cfg.table}.${cfg.column} against the files in ${cfg.folder}: files not yet applied.`
      : `The latest version recorded in ${cfg.table}.${cfg.column}.`,
    unit: cfg.folder ? "pending" : "applied",
    every: "5m",
    thresholds: cfg.folder ? { warn: "> 0" } : undefined,
    async read({ signal }) {
      const res = await runner.readOnly((q) => q(`select ${qi(cfg.column)}::text as version from ${qi(cfg.table)} order by 1`, [], 100_000), { signal, maxRows: 100_000 });
      const applied = res.rows.map((r) => String(r.version));
      const latest = applied.at(-1) ?? null;
      if (!cfg.folder) {
        return { value: applied.length, summary: latest ? `${applied.length} applied; latest ${latest}` : `no migration recorded in ${cfg.table}`, rows: applied.slice(-10).reverse().map((version) => ({ version })) };
      }
      let files: { version: string; file: string }[];
      try {
        files = migrationFiles(cfg.folder);
      } catch (err) {
        throw new Error(`cannot read the migrations folder ${cfg.folder}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const done = new Set(applied);
      const onDisk = new Set(files.map((f) => f.version));
      const pending = files.filter((f) => !done.has(f.version));
      const unknown = applied.filter((v) => !onDisk.has(v));
      const rows = [
        ...pending.map((f) => ({ version: f.version, file: f.file, state: "not applied" })),
        ...unknown.map((v) => ({ version: v, file: "", state: "applied, no file" })),
      ];
      const latestFile = files.at(-1)?.version ?? null;
      const parts = [`latest applied ${latest ?? "none"}, latest file ${latestFile ?? "none"}`];
      if (pending.length) parts.push(`${pending.length} file${pending.length === 1 ? "" : "s"} not applied`);
      if (unknown.length) parts.push(`${unknown.length} applied version${unknown.length === 1 ? "" : "s"} with no file`);
      if (!pending.length && !unknown.length) parts.push("up to date");
      return { value: pending.length, summary: parts.join("; "), rows };
    },
  });
}
