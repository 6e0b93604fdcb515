import { ConflictError, ForbiddenError, NotFoundError, parseDuration, PortalError, RateLimitedError, UnauthenticatedError, UnavailableError, type Risk } from "../../../plugins/plugin-api";
import { hasRole, parseRoles } from "~/lib/roles";
import { CheckpointFailure, errorText } from "../audit/audit.server";
import type { Db } from "../audit/chain.server";
import type { User } from "../auth.server";
import type { RegisteredAction } from "../plugins/registry.server";
import type { Portal } from "../portal.server";
import { acquireLock, lockKey, releaseLock } from "./locks.server";
import { actorOf, refuse, requiredRole, type RunAnswer } from "./policy.server";
import { deleteStoredRequest } from "./requests.server";
import { executeRun, INSTANCE_ID, localRuns, type RunRow } from "./runner.server";
import { loadRun, markRefused, transitionRun } from "./transitions.server";

/** Steps 7–10 for a run row in status `pending`: lock, rate limit, audit "started", run. A refusal is audited and thrown. */
export async function startRun(
  portal: Portal,
  reg: RegisteredAction,
  run: RunRow,
  input: unknown,
  inputSecrets: string[],
  startDetails: Record<string, unknown>,
  /** More work in the "started" entry's transaction (the press's origin). */
  also?: (db: Db) => Promise<void>,
): Promise<RunAnswer> {
  const { store } = portal;
  const requester = { actor: run.actor, roles: parseRoles(run.roles) };
  const entry = { action: reg.id, target: run.target, ...requester, incidentId: run.incident_id, runId: run.id };
  const key = lockKey(reg.id, run.target);

  // 7. per-target lock
  const holder = await acquireLock(store, key, run.id, INSTANCE_ID);
  if (holder) {
    await markRefused(portal, run.id, `another run (${holder}) is already acting on ${run.target}`);
    return refuse(
      portal,
      { ...entry, outcome: "locked", details: { reason: "another run holds this target", blockingRunId: holder } },
      new ConflictError(`another run is already acting on "${run.target}"`, { body: { runId: run.id, status: "refused", blockingRunId: holder } }),
    );
  }

  try {
    // 8. per-target rate limit (counted under the lock, so two requests cannot both slip through)
    if (reg.def.rateLimit) {
      const since = Date.now() - parseDuration(reg.def.rateLimit.per);
      const row = await store.db
        .selectFrom("action_runs")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("action_id", "=", reg.id)
        .where("target", "=", run.target)
        .where("started_at", ">=", since)
        .where("id", "!=", run.id)
        .executeTakeFirst();
      if (Number(row?.n ?? 0) >= reg.def.rateLimit.max) {
        await markRefused(portal, run.id, `rate limit: at most ${reg.def.rateLimit.max} per ${reg.def.rateLimit.per} on ${run.target}`);
        await releaseLock(store, key, run.id);
        return refuse(
          portal,
          { ...entry, outcome: "rate_limited", details: { reason: `at most ${reg.def.rateLimit.max} per ${reg.def.rateLimit.per}` } },
          new RateLimitedError(`rate limit: at most ${reg.def.rateLimit.max} run(s) per ${reg.def.rateLimit.per} on "${run.target}"`, { body: { runId: run.id, status: "refused" } }),
        );
      }
    }

    // 9. audit "started", atomically with the status change. No entry (and checkpoint), no run.
    const startedAt = Date.now();
    let moved: "done" | "conflict";
    try {
      moved = await transitionRun(portal, run, {
        outcome: "started",
        by: requester,
        from: "pending",
        set: { status: "started", started_at: startedAt, owner: INSTANCE_ID, heartbeat_at: startedAt },
        details: startDetails,
        secrets: inputSecrets,
        also,
      });
    } catch (err) {
      if (err instanceof CheckpointFailure) {
        // The entry and the status are committed but not covered: do not run; recovery closes it.
        await releaseLock(store, key, run.id);
        throw new UnavailableError("the audit checkpoint could not be written, so the action was not run (fail closed)", { body: { runId: run.id, status: "refused" } });
      }
      await markRefused(portal, run.id, "the audit log could not be written; nothing was run");
      await releaseLock(store, key, run.id);
      throw new UnavailableError("the audit log cannot be written, so the action was not run (fail closed)", { body: { runId: run.id, status: "refused" } });
    }
    if (moved === "conflict") {
      await markRefused(portal, run.id, "the run changed state before it could start");
      await releaseLock(store, key, run.id);
      throw new ConflictError("the run changed state before it could start", { body: { runId: run.id } });
    }

    // 10. run, in the background; the caller follows /api/runs/:runId
    void executeRun(portal, reg, { ...run, status: "started", started_at: startedAt }, input, inputSecrets);
    return { runId: run.id, status: "started" };
  } catch (err) {
    if (err instanceof PortalError) throw err; // refused above: the lock released and the run marked already
    await releaseLock(store, key, run.id).catch(() => {});
    await markRefused(portal, run.id, errorText(err, portal.config.secretValues));
    throw err;
  }
}

/** Cancels a running run (if the action honours abort) or withdraws a request waiting for approval. */
export async function cancelRun(portal: Portal, user: User | null, runId: string): Promise<RunAnswer> {
  if (!user) throw new UnauthenticatedError();
  const run = await loadRun(portal, runId);
  if (!run) throw new NotFoundError("no such run");
  const by = actorOf(user);
  const entry = { action: run.action_id, target: run.target, ...by, incidentId: run.incident_id, runId: run.id };
  const own = user.username === run.actor;
  if (!(own && hasRole(user.roles, requiredRole(run.risk as Risk))) && !hasRole(user.roles, "admin")) {
    return refuse(portal, { ...entry, outcome: "denied", details: { reason: "only the operator or an admin may cancel" } }, new ForbiddenError("only the operator or an admin may cancel this run"));
  }
  if (run.status === "awaiting_approval") {
    // Only the requester withdraws a request; another admin declines it (the decision is theirs, and audited as such).
    if (!own) {
      return refuse(portal, { ...entry, outcome: "denied", details: { reason: "only the requester may withdraw a request" } }, new ForbiddenError(`only ${run.actor}, who asked, may withdraw this request; decline it instead`));
    }
    try {
      const moved = await transitionRun(portal, run, {
        outcome: "cancelled",
        by,
        from: "awaiting_approval",
        set: { status: "cancelled", cancelled_by: user.username, finished_at: Date.now() },
        details: { reason: "request withdrawn" },
        also: (db) => deleteStoredRequest(db, run.id),
      });
      if (moved === "conflict") throw new ConflictError("this request was decided meanwhile");
    } catch (err) {
      if (err instanceof ConflictError) throw err;
      throw new UnavailableError("the audit log cannot be written");
    }
    return { runId, status: "cancelled" };
  }
  const reg = portal.registry.actions.get(run.action_id);
  if (!reg?.def.cancellable) throw new ConflictError("this action cannot be cancelled once started");
  if (run.status !== "started" && run.status !== "pending") throw new ConflictError(`this run is already ${run.status}`, { body: { status: run.status } });
  try {
    const moved = await transitionRun(portal, run, {
      outcome: "cancel_requested",
      by,
      from: ["started", "pending"],
      set: { cancel_requested: 1, cancelled_by: user.username },
    });
    if (moved === "conflict") throw new ConflictError("this run finished meanwhile");
  } catch (err) {
    if (err instanceof ConflictError) throw err;
    throw new UnavailableError("the audit log cannot be written");
  }
  // The owner instance aborts at once if it is this one, or at its next heartbeat.
  localRuns().get(run.id)?.cancel(user.username);
  return { runId, status: "cancelling" };
}
