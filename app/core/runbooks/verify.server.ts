// The scheduler's freshness check: every runbook's widgets (directives) and live blocks are
// resolved against the registry and their probes' latest readings; the result is stored, so a
// runbook that was fully working within the last day shows as verified.
import type { BrokenWidget } from "~/lib/freshness";

import { promqlRef, type PromqlService } from "../../../plugins/prometheus/api";
import { newId } from "../ids.server";
import type { BootStep, Portal } from "../portal.server";
import { claimTick, finishTick } from "../scheduler/scheduler.server";
import { probeEngine } from "../probes/service.server";
import type { ProbeEngine } from "../probes/engine.server";
import { promqlVerdict } from "./live-blocks.server";
import { DIRECTIVES, type DirectiveName } from "./render.server";
import { loadRunbook, resolveBlocks, type LoadedRunbook } from "./runbooks.server";
import { lastEdited } from "./edited.server";
import { scanRunbooks } from "./source.server";

export interface RunbookCheck {
  runbook: string;
  widgets: number;
  broken: BrokenWidget[];
}

/** Why a probe's latest reading is not usable, or null when it read fine (one read per pass per probe). */
type ProbeProblems = Map<string, Promise<string | null>>;

async function probeProblem(engine: ProbeEngine, id: string, fresh = false): Promise<string | null> {
  try {
    let outcome = engine.peek(id);
    if (!outcome || fresh || engine.isStale(id)) outcome = await engine.refresh(id);
    if (outcome.kind !== "ok") return `latest reading failed: ${outcome.error ?? outcome.kind}`;
    const status = await engine.statusOf(id, outcome);
    if (status === "unknown") return `latest reading is unknown${outcome.reading?.summary ? `: ${outcome.reading.summary}` : ""}`;
    return null;
  } catch (err) {
    return `could not be read: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function directiveName(d: { name: string; attributes: Record<string, string> }): string {
  const attr = DIRECTIVES[d.name as DirectiveName];
  return (attr && d.attributes[attr]) || d.attributes.promql || `::${d.name}`;
}

/** Checks one runbook: each directive resolves and its probe reads; each ```promql fence is accepted by Prometheus. */
export async function checkRunbook(loaded: LoadedRunbook, portal: Portal, problems: ProbeProblems = new Map(), options: { fresh?: boolean } = {}): Promise<RunbookCheck> {
  const r = loaded.rendered;
  const engine = probeEngine(portal);
  const { blocks } = resolveBlocks(r, portal.registry);
  const broken: BrokenWidget[] = [];
  let widgets = 0;
  const reads: Promise<void>[] = [];
  r.blocks.forEach((b, i) => {
    if (b.type !== "directive") return;
    // A widget of a plugin not configured here is not broken, and is no widget of this install.
    if (blocks[i].type === "unconfigured") return;
    widgets++;
    const d = r.directives[b.index];
    const kind = (d.name in DIRECTIVES ? d.name : "directive") as BrokenWidget["kind"];
    const out = blocks[i];
    if (out.type === "warning") {
      broken.push({ name: directiveName(d), kind, reason: out.message, line: d.line });
      return;
    }
    if (out.type !== "slot" || out.slot.kind === "action") return;
    const id = out.slot.id;
    let p = problems.get(id);
    if (!p) problems.set(id, (p = probeProblem(engine, id, options.fresh)));
    reads.push(
      p.then((reason) => {
        if (reason) broken.push({ name: id, kind, reason, line: d.line });
      }),
    );
  });

  // Live blocks: a PromQL fence is a promise that the query runs; Prometheus' check runs it once.
  const promql = portal.registry.services.get(promqlRef);
  for (const c of r.live) {
    if (c.kind !== "promql" || !promql) continue;
    widgets++;
    const name = c.query.length > 80 ? `${c.query.slice(0, 79)}…` : c.query;
    if (promql.unavailable) {
      broken.push({ name, kind: "promql", reason: `Prometheus is unavailable: ${promql.unavailable}`, line: null });
      continue;
    }
    reads.push(
      promqlVerdict(promql, c.query).then(
        (error) => {
          if (error !== null) broken.push({ name, kind: "promql", reason: `Prometheus refused the query: ${error}`, line: null });
        },
        (err) => {
          broken.push({ name, kind: "promql", reason: `Prometheus did not answer: ${err instanceof Error ? err.message : String(err)}`, line: null });
        },
      ),
    );
  }
  await Promise.all(reads);
  broken.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || a.name.localeCompare(b.name));
  return { runbook: loaded.file.path, widgets, broken };
}

/**
 * One verification pass over every runbook (or only the runbooks named in `only`): stores each
 * result; `verified_at` moves only when nothing was broken. After a full pass, rows of runbooks
 * that no longer exist are removed.
 */
export async function verifyRunbooks(portal: Portal, options: { now?: () => number; only?: ReadonlySet<string> } = {}): Promise<RunbookCheck[]> {
  const now = options.now ?? Date.now;
  const problems: ProbeProblems = new Map();
  const checks: RunbookCheck[] = [];
  for (const file of scanRunbooks(portal.runbooksDir)) {
    if (options.only && !options.only.has(file.path)) continue;
    let loaded: LoadedRunbook;
    try {
      // Not kept in the page cache (every runbook, hourly), and one runbook per turn of the event loop.
      await new Promise((r) => setImmediate(r));
      loaded = loadRunbook(file, { keep: false });
    } catch {
      continue; // removed between scan and read
    }
    // A re-check reads its few probes anew: the cached reading is the one that was not usable.
    checks.push(await checkRunbook(loaded, portal, problems, { fresh: !!options.only }));
  }
  const at = now();
  for (const c of checks) {
    const ok = c.broken.length === 0;
    const row = { checked_at: at, widgets: c.widgets, broken_count: c.broken.length, broken: JSON.stringify(c.broken) };
    await portal.store.db
      .insertInto("runbook_verifications")
      .values({ runbook: c.runbook, verified_at: ok ? at : null, ...row })
      .onConflict((oc) => oc.column("runbook").doUpdateSet(ok ? { ...row, verified_at: at } : row))
      .execute();
  }
  if (options.only) return checks;
  const present = checks.map((c) => c.runbook);
  let gone = portal.store.db.deleteFrom("runbook_verifications");
  if (present.length) gone = gone.where("runbook", "not in", present);
  await gone.execute();
  return checks;
}

/** A widget broken by its probe's reading (not by its directive): it may read fine once the source settles. */
export function unsettled(check: RunbookCheck): boolean {
  return check.broken.some((b) => /^(latest reading|could not be read)/.test(b.reason));
}

export interface VerificationSchedule {
  /** Between passes (default hourly). */
  everyMs?: number;
  /**
   * A runbook whose widgets were broken by their readings (a demo still seeding its history, a
   * source still starting) is checked again this much later (default 30 s), up to `recheckTimes`
   * times (default 10), so its flag does not wait an hour once the readings are fine.
   */
  recheckMs?: number;
  recheckTimes?: number;
  /** The first pass waits for the first probe round (every probe read once), at most this long. */
  firstRoundTimeoutMs?: number;
}

/** The job under which verification passes are claimed in `scheduler_ticks`. */
export const RUNBOOK_VERIFICATION_JOB = "core.runbook-verification";

/**
 * Boot step: a verification pass once the first probe round is in, then one per `everyMs` period
 * (periods aligned to the epoch, so every instance names them alike). Each period's pass is
 * claimed in the store: with several instances on one store, one of them runs it.
 */
export function runbookVerificationStep(schedule: VerificationSchedule = {}): BootStep {
  const everyMs = schedule.everyMs ?? 3_600_000;
  const firstRoundTimeoutMs = schedule.firstRoundTimeoutMs ?? 120_000;
  const recheckMs = schedule.recheckMs ?? 30_000;
  const recheckTimes = schedule.recheckTimes ?? 10;
  return async (portal) => {
    const engine = probeEngine(portal);
    const instance = newId("verify_");
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let recheckTimer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const started = Date.now();
    const firstRoundIn = () => engine.ids().every((id) => engine.peek(id)) || Date.now() - started >= firstRoundTimeoutMs;
    const pass = () => {
      if (stopped) return;
      const period = Math.floor(Date.now() / everyMs) * everyMs;
      running = claimTick(portal.store, RUNBOOK_VERIFICATION_JOB, period, instance)
        .then(async (mine) => {
          // The index shows each file's last commit: ask git now, not on the first view (a cache of this process).
          const edited = Promise.all(scanRunbooks(portal.runbooksDir).map((f) => lastEdited(f)));
          if (!mine) return void (await edited);
          const checks = await verifyRunbooks(portal);
          await edited;
          const broken = checks.filter((c) => c.broken.length).length;
          recheck(checks, recheckTimes);
          await finishTick(portal.store, RUNBOOK_VERIFICATION_JOB, period, "succeeded", `${checks.length} runbooks, ${broken} with broken widgets`);
          portal.log.info({ runbooks: checks.length, broken }, "runbooks verified");
        })
        .catch((err) => {
          portal.log.warn({ err }, "runbook verification pass failed");
          return finishTick(portal.store, RUNBOOK_VERIFICATION_JOB, period, "failed", err instanceof Error ? err.message : String(err)).catch(() => {});
        })
        .finally(() => schedule_(period + everyMs - Date.now(), pass));
    };
    // Re-checks only the runbooks whose readings were not usable, until they are or the tries run out.
    const recheck = (checks: RunbookCheck[], left: number) => {
      const only = new Set(checks.filter(unsettled).map((c) => c.runbook));
      clearTimeout(recheckTimer);
      if (stopped || !only.size || left <= 0) return;
      recheckTimer = setTimeout(() => {
        running = verifyRunbooks(portal, { only })
          .then((again) => {
            portal.log.info({ runbooks: again.length, broken: again.filter((c) => c.broken.length).length }, "runbooks re-checked");
            recheck(again, left - 1);
          })
          .catch((err) => portal.log.warn({ err }, "runbook re-check failed"));
      }, recheckMs);
      recheckTimer.unref();
    };
    const waitFirstRound = () => (firstRoundIn() ? pass() : schedule_(1000, waitFirstRound));
    function schedule_(ms: number, fn: () => void) {
      if (stopped) return;
      timer = setTimeout(fn, Math.max(0, ms));
      timer.unref();
    }
    schedule_(1000, waitFirstRound);
    return async () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(recheckTimer);
      await Promise.race([running, new Promise((r) => setTimeout(r, 1000).unref())]);
    };
  };
}

export const startRunbookVerification: BootStep = runbookVerificationStep();
