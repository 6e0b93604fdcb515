// The backup catalog in the portal's store (SQLite or PostgreSQL): one row per backup attempt.
// A row is written as `running` before any byte is dumped and becomes `good` only after the dump
// file and its manifest are fsynced and renamed into place; a crash leaves it `running`, and the
// next start (or run) turns it into `failed` ("interrupted"), so nothing half-written is ever good.
import { type Kysely } from "kysely";
import type { PluginMigration } from "../plugin-api";

export const migrations: Record<string, PluginMigration> = {
  "001-catalog": {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("backups_catalog")
        .ifNotExists()
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull()) // running | good | failed | pruned
        .addColumn("file", "text")
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("ended_at", "bigint")
        .addColumn("size", "bigint")
        .addColumn("sha256", "text")
        .addColumn("manifest", "text")
        .addColumn("error", "text")
        .addColumn("verified_at", "bigint")
        .addColumn("verify_status", "text") // passed | failed
        .addColumn("verify_detail", "text")
        .addColumn("rto_ms", "bigint")
        .addColumn("rpo_ms", "bigint")
        .execute();
      await db.schema.createIndex("backups_catalog_target").ifNotExists().on("backups_catalog").columns(["target", "started_at"]).execute();
    },
  },
};

export interface CatalogRow {
  id: string;
  target: string;
  kind: string;
  status: "running" | "good" | "failed" | "pruned";
  file: string | null;
  startedAt: number;
  endedAt: number | null;
  size: number | null;
  sha256: string | null;
  manifest: Manifest | null;
  error: string | null;
  verifiedAt: number | null;
  verifyStatus: "passed" | "failed" | null;
  verifyDetail: string | null;
  rtoMs: number | null;
  rpoMs: number | null;
}

export interface Manifest {
  id: string;
  target: string;
  kind: string;
  format: "pg_dump-custom" | "sqlite" | "firestore-ndjson";
  startedAt: string;
  endedAt: string;
  size: number;
  sha256: string;
  /** Exact row counts per table, taken in the same snapshot as the dump (documents per collection for Firestore: what the file holds). */
  counts: Record<string, number>;
  /** Firestore: SHA-256 of each collection's lines in the file. */
  digests?: Record<string, string>;
  schemaVersion: string | null;
  tools: Record<string, string>;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function fromDb(r: any): CatalogRow {
  return {
    id: r.id,
    target: r.target,
    kind: r.kind,
    status: r.status,
    file: r.file,
    startedAt: Number(r.started_at),
    endedAt: num(r.ended_at),
    size: num(r.size),
    sha256: r.sha256,
    manifest: r.manifest ? (JSON.parse(r.manifest) as Manifest) : null,
    error: r.error,
    verifiedAt: num(r.verified_at),
    verifyStatus: r.verify_status,
    verifyDetail: r.verify_detail,
    rtoMs: num(r.rto_ms),
    rpoMs: num(r.rpo_ms),
  };
}

export class Catalog {
  constructor(private readonly db: Kysely<any>) {}

  async begin(row: { id: string; target: string; kind: string; file: string; startedAt: number }): Promise<void> {
    await this.db.insertInto("backups_catalog").values({ id: row.id, target: row.target, kind: row.kind, status: "running", file: row.file, started_at: row.startedAt }).execute();
  }

  async good(id: string, m: Manifest, endedAt: number): Promise<void> {
    await this.db.updateTable("backups_catalog").set({ status: "good", ended_at: endedAt, size: m.size, sha256: m.sha256, manifest: JSON.stringify(m) }).where("id", "=", id).execute();
  }

  async failed(id: string, error: string, endedAt: number): Promise<void> {
    await this.db.updateTable("backups_catalog").set({ status: "failed", ended_at: endedAt, error }).where("id", "=", id).execute();
  }

  async verified(id: string, v: { at: number; status: "passed" | "failed"; detail: string; rtoMs: number | null; rpoMs: number | null }): Promise<void> {
    await this.db.updateTable("backups_catalog").set({ verified_at: v.at, verify_status: v.status, verify_detail: v.detail, rto_ms: v.rtoMs, rpo_ms: v.rpoMs }).where("id", "=", id).execute();
  }

  async pruned(id: string): Promise<void> {
    await this.db.updateTable("backups_catalog").set({ status: "pruned" }).where("id", "=", id).execute();
  }

  async get(id: string): Promise<CatalogRow | null> {
    const r = await this.db.selectFrom("backups_catalog").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? fromDb(r) : null;
  }

  /** Newest first. */
  async list(target?: string): Promise<CatalogRow[]> {
    let q = this.db.selectFrom("backups_catalog").selectAll();
    if (target) q = q.where("target", "=", target);
    return (await q.orderBy("started_at", "desc").orderBy("id", "desc").execute()).map(fromDb);
  }

  /** Rows left `running` by a process that is gone (not in `live`): marked failed, returned for cleanup. */
  async interrupted(live: Set<string>, now: number): Promise<CatalogRow[]> {
    const rows = (await this.db.selectFrom("backups_catalog").selectAll().where("status", "=", "running").execute()).map(fromDb).filter((r) => !live.has(r.id));
    for (const r of rows) await this.failed(r.id, "interrupted: the backup never finished (the portal stopped or was killed during it)", now);
    return rows;
  }
}
