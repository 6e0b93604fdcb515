import { parseDuration } from "../../../plugins/plugin-api";
import { parseRoles } from "~/lib/roles";
import { writeCheckpoint } from "../audit/checkpoints.server";
import type { Portal } from "../portal.server";
import { errorText } from "../audit/audit.server";
import { checkpointWriter } from "../audit/checkpoint-writer.server";
import { expireRequest } from "./approvals.server";
import { STALE_MS } from "./locks.server";
import { actionMetrics } from "./metrics.server";
import { INSTANCE_ID, localRuns } from "./runner.server";
import { transitionRun } from "./transitions.server";

/**
 * Runs left `pending`/`started` by a process that died become `interrupted` (audited), never lost.
 * `all`: every such run not owned by this process (SQLite: one process owns the store, so at boot
 * nothing else can be running). Otherwise only runs whose owner stopped beating its heart.
 */
export async function recoverRuns(portal: Portal, options: { all: boolean }): Promise<number> {
  const { store } = portal;
  const now = Date.now();
  let q = store.db
    .selectFrom("action_runs")
    .select(["id", "action_id", "target", "actor", "roles", "incident_id", "status", "owner", "heartbeat_at"])
    .where("status", "in", ["pending", "started"])
    .where((eb) => eb.or([eb("owner", "is", null), eb("owner", "!=", INSTANCE_ID)]));
  if (!options.all) q = q.where("heartbeat_at", "<", now - STALE_MS);
  const stuck = await q.limit(500).execute();
  let n = 0;
  for (const run of stuck) {
    try {
      const moved = await transitionRun(portal, run, {
        outcome: "interrupted",
        by: { actor: run.actor, roles: parseRoles(run.roles) },
        from: run.status as "pending" | "started",
        guards: [["heartbeat_at", run.heartbeat_at === null ? "is" : "=", run.heartbeat_at]],
        set: { status: "interrupted", finished_at: now, error: "interrupted: the process running it stopped (crash or restart) before it finished; check the target's state before retrying" },
        details: { reason: "the portal process running it stopped before it finished", was: run.status, lastHeartbeat: run.heartbeat_at ? new Date(Number(run.heartbeat_at)).toISOString() : null },
        also: async (db) => {
          await db.deleteFrom("action_locks").where("run_id", "=", run.id).execute();
        },
      });
      if (moved === "done") n++;
    } catch (err) {
      portal.log.error({ err: errorText(err), runId: run.id }, "could not mark a run interrupted");
    }
  }
  if (n) portal.log.warn({ count: n }, "runs left unfinished by a stopped process were marked interrupted");
  return n;
}

/** Approval requests past their expiry count as denied. */
export async function expireApprovals(portal: Portal): Promise<number> {
  const rows = await portal.store.db
    .selectFrom("action_runs")
    .select(["id", "action_id", "target", "actor", "roles", "incident_id", "expires_at"])
    .where("status", "=", "awaiting_approval")
    .where("expires_at", "<=", Date.now())
    .limit(500)
    .execute();
  for (const r of rows) await expireRequest(portal, r).catch((err) => portal.log.error({ err: errorText(err) }, "could not expire an approval request"));
  return rows.length;
}

/**
 * Boot step: recover interrupted runs, then keep sweeping (stale runs of dead instances, expired
 * approvals) and write signed audit checkpoints. Stops by interrupting this process's own runs.
 */
export async function actionsBootStep(portal: Portal): Promise<() => Promise<void>> {
  actionMetrics(); // register the counters so /metrics shows them from the start
  const settings = checkpointWriter(portal).settings;
  await recoverRuns(portal, { all: portal.store.dialect === "sqlite" });
  await expireApprovals(portal);
  await writeCheckpoint(portal.store, settings).catch((err) => portal.log.error({ err: errorText(err) }, "could not write an audit checkpoint"));

  let busy = false;
  const sweep = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        await recoverRuns(portal, { all: false });
        await expireApprovals(portal);
      } catch (err) {
        portal.log.warn({ err: errorText(err) }, "action sweep failed");
      } finally {
        busy = false;
      }
    })();
  }, 5_000);
  const checkpoints = setInterval(() => {
    writeCheckpoint(portal.store, settings).catch((err) => portal.log.error({ err: errorText(err) }, "could not write an audit checkpoint"));
  }, parseDuration(portal.config.audit.checkpointEvery));
  sweep.unref();
  checkpoints.unref();

  return async () => {
    clearInterval(sweep);
    clearInterval(checkpoints);
    const running = [...localRuns().values()];
    for (const r of running) r.interrupt();
    await Promise.race([Promise.all(running.map((r) => r.done)), new Promise((r) => setTimeout(r, 8_000))]);
    await writeCheckpoint(portal.store, settings).catch(() => {});
  };
}
