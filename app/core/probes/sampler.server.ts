import { sql } from "kysely";
import type { ProbeStatus } from "../../../plugins/plugin-api";
import { newId } from "../ids.server";
import type { Store } from "../db/store.server";
import type { Log } from "../log.server";
import type { ProbeEngine } from "./engine.server";
import { probeMetrics } from "./metrics.server";
import { notifyProbe, probeEventKind } from "../notifications/events.server";

export interface SampleResult {
  probeId: string;
  at: number;
  status: ProbeStatus;
  stored: boolean;
  transition?: { from: ProbeStatus; to: ProbeStatus };
}

/**
 * Stores probe readings as samples and every change of status as a transition. Uses the engine's
 * cache, so a read a viewer just caused is stored instead of read again.
 */
export class ProbeSampler {
  private readonly lastStatus = new Map<string, ProbeStatus>();
  private readonly readSinceStart = new Set<string>();
  private readonly knownSinceStart = new Set<string>();
  private readonly lastStoredAt = new Map<string, number>();
  private loaded = false;
  private closed = false;

  /** After close, reads still in flight finish without writing (the store may be closing). */
  close(): void {
    this.closed = true;
  }

  constructor(
    private readonly engine: ProbeEngine,
    private readonly store: Store,
    private readonly log: Log,
    private readonly retentionMs: number,
  ) {}

  /** The last recorded status of each probe, so a restart does not record a change twice. */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    for (const id of this.engine.ids()) {
      const last = await this.store.db
        .selectFrom("probe_samples")
        .select(["status", "at"])
        .where("probe_id", "=", id)
        .orderBy("at", "desc")
        .limit(1)
        .executeTakeFirst();
      if (last) {
        this.lastStatus.set(id, last.status as ProbeStatus);
        this.lastStoredAt.set(id, Number(last.at));
      }
    }
  }

  /** Samples one probe now: a fresh read unless the cache holds one not stored yet. */
  async sample(probeId: string): Promise<SampleResult> {
    await this.load();
    const stored = this.lastStoredAt.get(probeId) ?? -Infinity;
    let outcome = this.engine.peek(probeId);
    if (!outcome || this.engine.isStale(probeId)) outcome = await this.engine.refresh(probeId);
    if (this.closed) return { probeId, at: outcome.at, status: this.lastStatus.get(probeId) ?? "unknown", stored: false };
    if (outcome.at <= stored) return { probeId, at: outcome.at, status: this.lastStatus.get(probeId) ?? "unknown", stored: false };

    const status = await this.engine.statusOf(probeId, outcome);
    const view = await this.engine.view(probeId, outcome, false);
    const value = outcome.kind === "ok" ? (outcome.reading?.value ?? null) : null;
    const summary = outcome.kind === "ok" ? (outcome.reading?.summary ?? "") : view.summary;
    const previous = this.lastStatus.get(probeId);
    // The first reading after start is where the probe is, not a change; nor is leaving "unknown"
    // before this process has had any real reading of the probe (sources still starting up).
    const first = !this.readSinceStart.has(probeId);
    const warmingUp = previous === "unknown" && !this.knownSinceStart.has(probeId);
    const changed = !first && !warmingUp && previous !== undefined && previous !== status;
    this.readSinceStart.add(probeId);
    if (status !== "unknown") this.knownSinceStart.add(probeId);
    const from: ProbeStatus = previous ?? "unknown";
    const probe = this.engine.probe(probeId);

    await this.store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("probe_samples")
        .values({ id: newId("ps_"), probe_id: probeId, at: outcome.at, status, value, summary: summary.slice(0, 1000), error: outcome.error ?? null })
        .execute();
      if (changed) {
        await trx
          .insertInto("probe_transitions")
          .values({ id: newId("pt_"), probe_id: probeId, plugin_id: probe.pluginId, at: outcome.at, from_status: from, to_status: status, value, summary: (outcome.error ? `${summary} (${outcome.error})` : summary).slice(0, 1000) })
          .execute();
        // Critical only once past its threshold's `for`; an open incident or a silence holds it back when routed.
        if (status === "critical") await notifyProbe(trx, { probeId, title: `${probe.def.title ?? probeId} is critical`, summary: summary.slice(0, 1000), kind: probeEventKind(probeId) }, outcome.at);
      }
    });
    this.lastStoredAt.set(probeId, outcome.at);
    this.lastStatus.set(probeId, status);
    probeMetrics().samples.inc({ status });
    if (changed) this.log.info({ probe: probeId, from, to: status }, "probe status changed");
    return { probeId, at: outcome.at, status, stored: true, transition: changed ? { from, to: status } : undefined };
  }

  /** Deletes samples older than the retention; transitions are kept for incident timelines. */
  async prune(now = this.engine.now()): Promise<number> {
    const result = await this.store.db.deleteFrom("probe_samples").where("at", "<", now - this.retentionMs).executeTakeFirst();
    return Number(result.numDeletedRows ?? 0);
  }
}

export interface Leadership {
  isLeader(): boolean;
  stop(): Promise<void>;
}

/** Two-int advisory lock key: "opsd" and the sampler's number. */
const LOCK_KEY = [0x6f707364, 4] as const;

/**
 * Only one portal instance samples. On PostgreSQL the leader holds a session advisory lock on a
 * dedicated connection (taken from the pool for as long as it leads); followers retry. On SQLite
 * there is one instance per file, which always leads.
 */
export async function electLeader(store: Store, log: Log, options: { retryMs?: number; onChange?(leader: boolean): void } = {}): Promise<Leadership> {
  const gauge = probeMetrics().leader;
  if (store.dialect === "sqlite") {
    gauge.set(1);
    options.onChange?.(true);
    return { isLeader: () => true, stop: async () => gauge.set(0) };
  }
  const retryMs = options.retryMs ?? 5000;
  let leader = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  const setLeader = (v: boolean) => {
    if (leader === v) return;
    leader = v;
    gauge.set(v ? 1 : 0);
    log.info({ leader: v }, v ? "this instance now samples probes (advisory lock held)" : "this instance no longer samples probes");
    options.onChange?.(v);
  };

  let attempted!: () => void;
  const firstAttempt = new Promise<void>((resolve) => (attempted = resolve));
  const loop = (async () => {
    while (!stopped) {
      try {
        await store.db.connection().execute(async (conn) => {
          const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${LOCK_KEY[0]}, ${LOCK_KEY[1]}) as locked`.execute(conn);
          attempted();
          if (!rows[0]?.locked) return;
          try {
            setLeader(true);
            while (!stopped) {
              await sleep(retryMs);
              if (stopped) break;
              await sql`select 1`.execute(conn);
            }
          } finally {
            setLeader(false);
            await sql`select pg_advisory_unlock(${LOCK_KEY[0]}, ${LOCK_KEY[1]})`.execute(conn).catch(() => {});
          }
        });
      } catch (err) {
        attempted();
        setLeader(false);
        if (!stopped) log.warn({ err }, "sampler leader election: database error, retrying");
      }
      if (!stopped) await sleep(retryMs);
    }
  })();

  // Wait for the first attempt so a lone instance starts sampling at once.
  await Promise.race([firstAttempt, new Promise((r) => setTimeout(r, 2000))]);
  return {
    isLeader: () => leader,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      gauge.set(0);
    },
  };
}

export interface Scheduler {
  stop(): Promise<void>;
}

/**
 * Samples every probe on its interval while this instance leads, and prunes old samples hourly.
 * Plain timers: intervals such as 90s do not fit cron patterns.
 */
export function startScheduler(engine: ProbeEngine, sampler: ProbeSampler, leadership: Leadership, log: Log): Scheduler {
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const track = (p: Promise<unknown>) => {
    running.add(p);
    void p.finally(() => running.delete(p));
  };

  const tick = (id: string) => {
    if (stopped) return;
    const every = engine.settingsOf(id).everyMs;
    const started = engine.now();
    const work = leadership.isLeader()
      ? sampler.sample(id).catch((err) => log.warn({ err, probe: id }, "probe sample could not be stored"))
      : Promise.resolve();
    track(
      work.finally(() => {
        // The next tick is one interval after the reading (stamped when the read ended), not after
        // this tick began: the cache counts a reading fresh for a whole interval, so a tick due any
        // earlier finds it fresh and already stored and skips (5 s probes were sampled every ~10 s).
        const readAt = engine.peek(id)?.at ?? started;
        if (!stopped) later(Math.max(0, Math.max(readAt, started) + every - engine.now()), () => tick(id));
      }),
    );
  };
  for (const id of engine.ids()) later(Math.floor(Math.random() * 1000), () => tick(id));

  const prune = () => {
    if (stopped) return;
    if (leadership.isLeader()) track(sampler.prune().catch((err) => log.warn({ err }, "probe sample pruning failed")));
    later(3_600_000, prune);
  };
  later(5_000, prune);

  return {
    async stop() {
      stopped = true;
      sampler.close();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      // Writes finish quickly; a read stuck on a slow source is not worth holding shutdown for.
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, 1000).unref())]);
    },
  };
}
