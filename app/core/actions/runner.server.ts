import { sql } from "kysely";
import { parseDuration, type ActionResult } from "../../../plugins/plugin-api";
import { parseRoles } from "~/lib/roles";
import { canonicalJson } from "../audit/chain.server";
import { scrub, scrubText } from "../secrets/index.server";
import { newId } from "../ids.server";
import type { Tables } from "../db/migrations/003-actions-audit";
import type { RegisteredAction } from "../plugins/registry.server";
import type { Portal } from "../portal.server";
import { HEARTBEAT_MS, lockKey, releaseLock, touchLock } from "./locks.server";
import { actionMetrics } from "./metrics.server";
import { errorText } from "../audit/audit.server";
import { emitRunFinished } from "./run-events.server";
import { transitionRun } from "./transitions.server";
import { notifyRun } from "../notifications/events.server";

export type RunRow = Tables["action_runs"];

const KEY = Symbol.for("opsdeck.actions.instance");
type InstanceState = { id: string; runs: Map<string, LocalRun> };
function state(): InstanceState {
  const g = globalThis as typeof globalThis & { [KEY]?: InstanceState };
  return (g[KEY] ??= { id: newId("i_"), runs: new Map() });
}

/** This process; owns the runs it executes. */
export const INSTANCE_ID = state().id;

export interface LocalRun {
  cancel(by: string): void;
  /** Aborts for shutdown; the run ends as `interrupted`. */
  interrupt(): void;
  done: Promise<void>;
}

export function localRuns(): Map<string, LocalRun> {
  return state().runs;
}

const MAX_LOG = 256 * 1024;
const MAX_RESULT = 256 * 1024;
const FLUSH_MS = 250;
/** After abort, how long a run that ignores its signal may take before we stop waiting. */
const ABORT_GRACE_MS = 5_000;

type EndReason = { kind: "cancel"; by: string } | { kind: "timeout"; ms: number } | { kind: "shutdown" };

/** Executes a run whose "started" entry is written; writes the closing entry atomically with its status. */
export async function executeRun(portal: Portal, reg: RegisteredAction, run: RunRow, input: unknown, inputSecrets: string[]): Promise<void> {
  const { store, log: plog } = portal;
  const secrets = [...portal.config.secretValues, ...inputSecrets];
  const controller = new AbortController();
  let ended: EndReason | null = null;
  const end = (reason: EndReason) => {
    if (ended) return;
    ended = reason;
    controller.abort(new Error(reason.kind === "timeout" ? `timed out after ${Math.round(reason.ms / 1000)}s` : reason.kind === "cancel" ? `cancelled by ${reason.by}` : "the portal is shutting down"));
  };

  let pendingLog = "";
  let logSize = 0;
  let progress: { done: number; total: number | null } | null = null;
  let progressDirty = false;
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    if (!pendingLog && !progressDirty) return flushing;
    const chunk = pendingLog;
    const p = progress;
    pendingLog = "";
    progressDirty = false;
    flushing = flushing.then(async () => {
      try {
        await store.db
          .updateTable("action_runs")
          .set({
            ...(chunk ? { log: sql<string>`log || ${chunk}` } : {}),
            ...(p ? { progress_done: p.done, progress_total: p.total } : {}),
          })
          .where("id", "=", run.id)
          .execute();
      } catch (err) {
        plog.warn({ err: errorText(err), runId: run.id }, "could not save the run log");
      }
    });
    return flushing;
  };
  const appendLog = (message: string) => {
    if (logSize >= MAX_LOG) return;
    let line = `${new Date().toISOString()} ${scrubText(String(message), secrets).replace(/\r?\n/g, "\n  ")}\n`;
    if (logSize + line.length > MAX_LOG) line = "… log truncated (256 KB)\n";
    logSize += line.length;
    pendingLog += line;
  };

  const flushTimer = setInterval(() => void flush(), FLUSH_MS);
  const key = lockKey(reg.id, run.target);
  const heartbeat = setInterval(() => {
    const now = Date.now();
    void (async () => {
      try {
        await touchLock(store, key, run.id, now);
        const row = await store.db.updateTable("action_runs").set({ heartbeat_at: now }).where("id", "=", run.id).returning(["cancel_requested", "cancelled_by", "status"]).executeTakeFirst();
        if (row?.cancel_requested) end({ kind: "cancel", by: row.cancelled_by ?? "someone" });
        else if (row && row.status !== "started") end({ kind: "shutdown" });
      } catch (err) {
        plog.warn({ err: errorText(err), runId: run.id }, "run heartbeat failed");
      }
    })();
  }, HEARTBEAT_MS);
  const timeoutMs = parseDuration(reg.def.timeout ?? portal.config.actions.defaultTimeout);
  const timeout = setTimeout(() => end({ kind: "timeout", ms: timeoutMs }), timeoutMs);

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  localRuns().set(run.id, {
    cancel: (by) => end({ kind: "cancel", by }),
    interrupt: () => end({ kind: "shutdown" }),
    done,
  });

  const t0 = performance.now();
  let status: "succeeded" | "failed" | "cancelled" | "interrupted";
  let result: ActionResult | null = null;
  let error: string | null = null;
  try {
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener(
        "abort",
        () => {
          // Give a run that honours the signal time to wind down cleanly; then stop waiting.
          setTimeout(() => reject(controller.signal.reason), ABORT_GRACE_MS).unref();
        },
        { once: true },
      );
    });
    const running = reg.def.run(input as never, {
      runId: run.id,
      actor: { username: run.actor, roles: parseRoles(run.roles) },
      idempotencyKey: `opsdeck-${run.id}`,
      signal: controller.signal,
      ...(run.break_glass && run.break_glass_reason ? { breakGlassReason: run.break_glass_reason } : {}),
      log: appendLog,
      async refreshProbes(ids: readonly string[]) {
        const { probeEngine } = await import("../probes/service.server");
        const engine = probeEngine(portal);
        await Promise.all([...new Set(ids)].filter((id) => engine.has(id)).map((id) => engine.refresh(id)));
      },
      progress(doneUnits: number, total?: number) {
        if (!Number.isFinite(doneUnits)) return;
        progress = { done: doneUnits, total: total !== undefined && Number.isFinite(total) ? total : null };
        progressDirty = true;
      },
    });
    result = await Promise.race([running, aborted]);
    status = ended ? endStatus(ended) : "succeeded";
    if (ended) error = controller.signal.reason instanceof Error ? controller.signal.reason.message : String(controller.signal.reason);
  } catch (err) {
    status = ended ? endStatus(ended) : "failed";
    error = ended && controller.signal.reason instanceof Error ? controller.signal.reason.message : errorText(err, secrets);
  } finally {
    clearInterval(flushTimer);
    clearInterval(heartbeat);
    clearTimeout(timeout);
  }

  if (error) appendLog(status === "failed" ? `failed: ${error}` : `${status}: ${error}`);
  else appendLog(`${status}${result?.summary ? `: ${result.summary}` : ""}`);
  await flush();

  let resultJson: string | null = null;
  if (result) {
    const clean = scrub(result, secrets);
    resultJson = canonicalJson(clean);
    if (resultJson.length > MAX_RESULT) resultJson = canonicalJson({ summary: String(clean.summary ?? "").slice(0, 2000), truncated: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  const finishedAt = Date.now();
  const details: Record<string, unknown> = { seconds: Math.round(seconds * 1000) / 1000 };
  if (result?.summary) details.summary = scrubText(String(result.summary), secrets).slice(0, 2000);
  if (error) details.error = error;
  if (ended && (ended as EndReason).kind === "cancel") details.cancelledBy = (ended as { by: string }).by;

  // The closing entry and the status change commit together; retried, since the run did happen.
  for (let attempt = 0; ; attempt++) {
    try {
      const moved = await transitionRun(portal, run, {
        outcome: status,
        by: { actor: run.actor, roles: parseRoles(run.roles) },
        from: "started",
        set: { status, result: resultJson, error, finished_at: finishedAt, heartbeat_at: finishedAt },
        details,
        secrets,
        also: status === "failed" ? (db) => notifyRun(db, { kind: "action.failed", runId: run.id, actionId: reg.id, target: run.target, actor: run.actor, error, risk: reg.risk }, finishedAt) : undefined,
      });
      if (moved === "conflict") plog.warn({ runId: run.id, status }, "run finished after it had been closed elsewhere (interrupted by recovery?)");
      break;
    } catch (err) {
      if (attempt >= 4) {
        plog.error({ runId: run.id, status, err: errorText(err, secrets) }, "could not write the closing audit entry; the run stays 'started' and recovery will mark it interrupted");
        break;
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
  actionMetrics().runSeconds.observe({ action: reg.id, status }, seconds);
  await releaseLock(store, key, run.id).catch(() => {});
  localRuns().delete(run.id);
  resolveDone();
  emitRunFinished(portal, { runId: run.id, actionId: reg.id, pluginId: reg.pluginId, status });
}

function endStatus(reason: EndReason): "failed" | "cancelled" | "interrupted" {
  return reason.kind === "cancel" ? "cancelled" : reason.kind === "shutdown" ? "interrupted" : "failed";
}
