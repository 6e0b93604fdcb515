import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { PluginDatabase, PluginMigration } from "../plugin-api";

/**
 * The key sets `redis.delete-keys` previews, kept until the run (or an approval an hour later,
 * on any instance) so that the run deletes exactly what the operator saw, never keys that
 * appeared since. In the portal's store; in memory when a unit test has no store.
 */
export interface PreviewedSet {
  id: string;
  pattern: string;
  server: string;
  createdAt: number;
  count: number;
  complete: boolean;
}

export interface PreviewStore {
  save(meta: Omit<PreviewedSet, "id" | "createdAt" | "count">, keys: Buffer[]): Promise<PreviewedSet>;
  get(id: string): Promise<PreviewedSet | null>;
  /** Keys in preview order, `batch` at a time. */
  keys(id: string, batch: number): AsyncIterable<Buffer[]>;
}

/** Previewed sets are kept this long (longer than any approval waits). */
export const KEEP_MS = 48 * 3_600_000;
const INSERT_BATCH = 400;

export const previewMigrations: Record<string, PluginMigration> = {
  "001-preview-sets": {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("redis_preview_sets")
        .ifNotExists()
        .addColumn("id", "varchar(64)", (c) => c.primaryKey())
        .addColumn("pattern", "varchar(300)", (c) => c.notNull())
        .addColumn("server", "varchar(300)", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .addColumn("complete", "integer", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("redis_preview_keys")
        .ifNotExists()
        .addColumn("set_id", "varchar(64)", (c) => c.notNull())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("key_b64", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("redis_preview_keys_pk", ["set_id", "seq"])
        .execute();
    },
  },
};

const newSetId = () => `rps_${crypto.randomBytes(12).toString("base64url")}`;

export function databasePreviewStore(database: PluginDatabase): PreviewStore {
  const db = database.db;
  const prune = async () => {
    const old = await db.selectFrom("redis_preview_sets").select("id").where("created_at", "<", Date.now() - KEEP_MS).execute();
    if (!old.length) return;
    const ids = old.map((r) => r.id as string);
    await db.deleteFrom("redis_preview_keys").where("set_id", "in", ids).execute();
    await db.deleteFrom("redis_preview_sets").where("id", "in", ids).execute();
  };
  return {
    async save(meta, keys) {
      await prune();
      const set: PreviewedSet = { ...meta, id: newSetId(), createdAt: Date.now(), count: keys.length };
      await db.transaction().execute(async (tx) => {
        await tx.insertInto("redis_preview_sets").values({ id: set.id, pattern: set.pattern, server: set.server, created_at: set.createdAt, count: set.count, complete: set.complete ? 1 : 0 }).execute();
        for (let i = 0; i < keys.length; i += INSERT_BATCH) {
          const rows = keys.slice(i, i + INSERT_BATCH).map((k, j) => ({ set_id: set.id, seq: i + j, key_b64: k.toString("base64") }));
          await tx.insertInto("redis_preview_keys").values(rows).execute();
        }
      });
      return set;
    },
    async get(id) {
      const r = await db.selectFrom("redis_preview_sets").selectAll().where("id", "=", id).executeTakeFirst();
      if (!r) return null;
      return { id: r.id, pattern: r.pattern, server: r.server, createdAt: Number(r.created_at), count: Number(r.count), complete: Number(r.complete) === 1 };
    },
    async *keys(id, batch) {
      for (let from = 0; ; from += batch) {
        const rows = await db.selectFrom("redis_preview_keys").select("key_b64").where("set_id", "=", id).where("seq", ">=", from).where("seq", "<", from + batch).orderBy("seq").execute();
        if (!rows.length) return;
        yield rows.map((r) => Buffer.from(r.key_b64 as string, "base64"));
      }
    },
  };
}

export function memoryPreviewStore(): PreviewStore {
  const sets = new Map<string, { set: PreviewedSet; keys: Buffer[] }>();
  return {
    async save(meta, keys) {
      for (const [id, s] of sets) if (s.set.createdAt < Date.now() - KEEP_MS) sets.delete(id);
      const set: PreviewedSet = { ...meta, id: newSetId(), createdAt: Date.now(), count: keys.length };
      sets.set(set.id, { set, keys: [...keys] });
      return set;
    },
    async get(id) {
      return sets.get(id)?.set ?? null;
    },
    async *keys(id, batch) {
      const all = sets.get(id)?.keys ?? [];
      for (let i = 0; i < all.length; i += batch) yield all.slice(i, i + batch);
    },
  };
}
