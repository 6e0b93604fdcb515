// Scheduled work that runs once across instances: each tick is claimed by inserting its row
// (job, planned time) into `scheduler_ticks`; the primary key lets exactly one instance insert it,
// and only that instance does the work. Ticks are the planned instants of the cron pattern, so
// every instance names the same tick the same way however late its timer fires.
import { Cron } from "croner";
import { isPortalError, type ScheduledActionOutcome, type ScheduledJob } from "../../../plugins/plugin-api";
import { errorText } from "../audit/audit.server";
import type { User } from "../auth.server";
import type { Store } from "../db/store.server";
import { newId } from "../ids.server";
import type { BootStep, Portal } from "../portal.server";
import { scrubText } from "../secrets/index.server";

/** The actor of every audit entry a scheduled run writes. */
export const SCHEDULER_ACTOR = "system:scheduler";

const TERMINAL = ["succeeded", "failed", "cancelled", "interrupted", "refused", "rejected", "expired"];

/** True when this call inserted the tick's row, i.e. this instance runs it. */
export async function claimTick(store: Store, job: string, tickAt: number, instance: string): Promise<boolean> {
  const res = await store.db
    .insertInto("scheduler_ticks")
    .values({ job, tick_at: tickAt, instance, claimed_at: Date.now(), finished_at: null, outcome: null, summary: null })
    .onConflict((oc) => oc.columns(["job", "tick_at"]).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function finishTick(store: Store, job: string, tickAt: number, outcome: "succeeded" | "failed", summary: string): Promise<void> {
  await store.db.updateTable("scheduler_ticks").set({ finished_at: Date.now(), outcome, summary: summary.slice(0, 2000) }).where("job", "=", job).where("tick_at", "=", tickAt).execute();
}

/**
 * Calls `onTick(plannedMs)` at each planned instant of a cron pattern. Missed instants (a sleeping
 * laptop, a blocked loop) are skipped, not caught up. Timers wake at least every 30 s, so a
 * clock change is noticed.
 */
export function cronTicks(pattern: string, timezone: string | undefined, onTick: (at: number) => void): { stop(): void } {
  const cron = new Cron(pattern, { timezone, paused: true });
  let next = cron.nextRun(new Date());
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped || !next) return;
    timer = setTimeout(wake, Math.max(0, Math.min(next.getTime() - Date.now(), 30_000)));
    timer.unref();
  };
  const wake = () => {
    if (stopped || !next) return;
    if (Date.now() >= next.getTime()) {
      const at = next.getTime();
      next = cron.nextRun(new Date(Math.max(at, Date.now())));
      onTick(at);
    }
    arm();
  };
  arm();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      cron.stop();
    },
  };
}

/** The scheduler as an actor: it may run low-risk actions only (what a responder may press). */
export function schedulerUser(): User {
  return { id: SCHEDULER_ACTOR, username: SCHEDULER_ACTOR, displayName: "Scheduler", roles: ["responder"], via: "scheduler" };
}

/**
 * Runs an action as `system:scheduler` through the whole pipeline (preview, per-target lock,
 * audit "started" and its end) and waits for the run to end. The tick's key is the idempotency
 * key, so a tick can never start the action twice.
 */
export async function runAsScheduler(portal: Portal, actionId: string, input: Record<string, unknown>, tickKey: string, signal?: AbortSignal): Promise<ScheduledActionOutcome> {
  const reg = portal.registry.actions.get(actionId);
  if (!reg) throw new Error(`no action "${actionId}" to run on a schedule`);
  if (reg.risk !== "low") throw new Error(`${actionId} is a ${reg.risk}-risk action: only low-risk actions run on a schedule`);
  const { submitAction } = await import("../actions/pipeline.server");
  let runId: string;
  try {
    ({ runId } = await submitAction(portal, schedulerUser(), actionId, { input, idempotencyKey: tickKey }));
  } catch (err) {
    if (!isPortalError(err)) throw err;
    return { runId: typeof err.body.runId === "string" ? err.body.runId : null, status: "refused", summary: err.message };
  }
  for (;;) {
    const row = await portal.store.db.selectFrom("action_runs").select(["status", "result", "error"]).where("id", "=", runId).executeTakeFirst();
    if (row && TERMINAL.includes(row.status)) {
      const status = (row.status === "succeeded" || row.status === "failed" || row.status === "cancelled" || row.status === "interrupted" ? row.status : "refused") as ScheduledActionOutcome["status"];
      let summary = row.error ?? "";
      if (!summary && row.result) {
        try {
          summary = String((JSON.parse(row.result) as { summary?: unknown }).summary ?? "");
        } catch {
          summary = "";
        }
      }
      return { runId, status, summary: summary || row.status };
    }
    if (signal?.aborted) return { runId, status: "interrupted", summary: "the portal stopped while the run was going" };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A job known by the id its ticks are claimed under. */
export interface ClaimedJob {
  id: string;
  job: ScheduledJob;
}

/**
 * Starts jobs on their schedules: at each tick the instance that claims it runs it; a tick whose
 * previous run is still going on this instance is left to another instance (or skipped).
 */
export function startJobs(portal: Portal, jobs: ClaimedJob[], options: { instance?: string } = {}): { stop(): Promise<void> } {
  const instance = options.instance ?? newId("sched_");
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const busy = new Set<string>();
  const loops = jobs.map(({ id, job }) =>
    cronTicks(job.cron, job.timezone, (at) => {
      if (busy.has(id)) {
        portal.log.info({ job: id, tick: new Date(at).toISOString() }, "scheduled job still running from its previous tick: this tick is not claimed here");
        return;
      }
      busy.add(id);
      const p = runTick(portal, id, job, at, instance, stopping.signal).finally(() => {
        busy.delete(id);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }),
  );
  return {
    async stop() {
      for (const l of loops) l.stop();
      stopping.abort(new Error("the portal is stopping"));
      await Promise.allSettled([...inFlight]);
    },
  };
}

async function runTick(portal: Portal, id: string, job: ScheduledJob, at: number, instance: string, signal: AbortSignal): Promise<void> {
  const tick = new Date(at).toISOString();
  let claimed: boolean;
  try {
    claimed = await claimTick(portal.store, id, at, instance);
  } catch (err) {
    portal.log.warn({ job: id, tick, err: errorText(err) }, "could not claim a scheduled tick: not run here");
    return;
  }
  if (!claimed) return; // another instance has it
  const pluginId = id.split(".")[0]!;
  try {
    const summary = await job.run({
      at: new Date(at),
      signal,
      runAction: (action, input) => runAsScheduler(portal, action.includes(".") ? action : `${pluginId}.${action}`, input, `tick:${id}:${at}`.slice(0, 200), signal),
    });
    await finishTick(portal.store, id, at, "succeeded", scrubText(summary ?? "", portal.config.secretValues));
  } catch (err) {
    const msg = errorText(err, portal.config.secretValues);
    portal.log.warn({ job: id, tick, err: msg }, "scheduled job failed");
    await finishTick(portal.store, id, at, "failed", msg).catch(() => {});
  }
}

/** Boot step: the jobs plugins scheduled during setup start now, after recovery and the first steps. */
export const startPluginSchedules: BootStep = async (portal) => {
  const jobs = portal.registry.schedules.map((s) => ({ id: s.id, job: s.job }));
  if (!jobs.length) return;
  const running = startJobs(portal, jobs);
  portal.log.info({ jobs: jobs.map((j) => j.id) }, "scheduled jobs started (each tick claimed in the store)");
  return () => running.stop();
};
