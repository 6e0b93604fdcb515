import type { Store } from "../db/store.server";

/** A lock whose holder has not beaten its heart for this long belongs to a dead process. */
export const STALE_MS = 20_000;
export const HEARTBEAT_MS = 3_000;

const TERMINAL = ["succeeded", "failed", "cancelled", "interrupted", "refused", "rejected", "expired"];

export function lockKey(actionId: string, target: string): string {
  return `${actionId}|${target}`;
}

/**
 * Takes the per-target lock for a run: a row keyed by action+target, so it holds across every
 * instance sharing the store. Returns null on success, or the run id holding it.
 */
export async function acquireLock(store: Store, key: string, runId: string, owner: string): Promise<string | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = Date.now();
    const res = await store.db
      .insertInto("action_locks")
      .values({ lock_key: key, run_id: runId, owner, acquired_at: now, heartbeat_at: now })
      .onConflict((oc) => oc.column("lock_key").doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) return null;
    const holder = await store.db.selectFrom("action_locks").selectAll().where("lock_key", "=", key).executeTakeFirst();
    if (!holder) continue; // released meanwhile: try again
    if (holder.run_id === runId) return null;
    const run = await store.db.selectFrom("action_runs").select(["status"]).where("id", "=", holder.run_id).executeTakeFirst();
    const stale = !run || TERMINAL.includes(run.status) || now - Number(holder.heartbeat_at) > STALE_MS;
    if (!stale) return holder.run_id;
    // Compare-and-delete: only the exact stale row, so two instances cannot both break it and both win.
    await store.db
      .deleteFrom("action_locks")
      .where("lock_key", "=", key)
      .where("run_id", "=", holder.run_id)
      .where("heartbeat_at", "=", holder.heartbeat_at)
      .execute();
  }
  const holder = await store.db.selectFrom("action_locks").select("run_id").where("lock_key", "=", key).executeTakeFirst();
  return holder?.run_id ?? "unknown";
}

export async function releaseLock(store: Store, key: string, runId: string): Promise<void> {
  await store.db.deleteFrom("action_locks").where("lock_key", "=", key).where("run_id", "=", runId).execute();
}

export async function touchLock(store: Store, key: string, runId: string, now = Date.now()): Promise<void> {
  await store.db.updateTable("action_locks").set({ heartbeat_at: now }).where("lock_key", "=", key).where("run_id", "=", runId).execute();
}
