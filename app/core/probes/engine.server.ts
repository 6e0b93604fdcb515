import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from "cockatiel";
import pLimit, { type LimitFunction } from "p-limit";
import { parseDuration, type ProbeReading, type ProbeStatus, type Thresholds } from "../../../plugins/plugin-api";
import type { ProbeReadingJson } from "~/lib/widgets";
import { ConfigError, type PortalConfig } from "../config.server";
import type { Store } from "../db/store.server";
import type { Log } from "../log.server";
import type { PluginRegistry, RegisteredProbe } from "../plugins/registry.server";
import { createScrubber, type Scrubber } from "../secrets/index.server";
import { probeMetrics } from "./metrics.server";
import { evaluate, historyNeeded, parseThresholds, ThresholdError, type HistoryPoint, type ParsedThresholds } from "./thresholds.server";

/** Consecutive failed reads that open a probe's circuit. */
export const CIRCUIT_FAILURES = 3;
/** How long an open circuit waits before letting one trial read through. */
export const CIRCUIT_HALF_OPEN_MS = 30_000;

export class UnknownProbeError extends Error {
  constructor(public readonly probeId: string) {
    super(`unknown probe "${probeId}"`);
    this.name = "UnknownProbeError";
  }
}

class ProbeTimeoutError extends Error {
  constructor(ms: number) {
    super(`timeout: no answer within ${formatMs(ms)}`);
    this.name = "ProbeTimeoutError";
  }
}

export type OutcomeKind = "ok" | "timeout" | "error" | "circuit-open";

/** The result of one attempt to read a probe. */
export interface Outcome {
  kind: OutcomeKind;
  /** Epoch ms when the attempt finished. */
  at: number;
  reading?: ProbeReading;
  error?: string;
}

export interface ProbeSettings {
  everyMs: number;
  timeoutMs: number;
  thresholds: Thresholds;
  parsed: ParsedThresholds;
}

/** The JSON reading plus what the charts and the overview need. */
export interface ProbeReadingView extends ProbeReadingJson {
  pluginId: string;
  everyMs: number;
  thresholds: Thresholds;
  circuit: "closed" | "open" | "half-open";
}

interface Entry {
  last?: Outcome;
  lastGood?: Outcome;
  lastError?: string;
  inflight?: Promise<Outcome>;
  /** Status under the probe's own thresholds, memoised per outcome. */
  statusFor?: Outcome;
  status?: ProbeStatus;
  breaker: CircuitBreakerPolicy;
}

export interface ProbeEngineOptions {
  registry: PluginRegistry;
  probes: PortalConfig["probes"];
  store: Store;
  log: Log;
  secretValues?: readonly string[];
  /** Epoch ms; tests pass a fake clock. */
  now?: () => number;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)} min`;
  return `${+(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * Reads probes for pages, the API and the sampler. Every read has a timeout; concurrent requests
 * for one probe share one read; results are cached for the probe's interval and served stale
 * while a refresh runs; a cockatiel circuit breaker per probe stops hammering a failing source;
 * a p-limit per plugin keeps a hung source from starving the others.
 */
export class ProbeEngine {
  readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly limits = new Map<string, LimitFunction>();
  private readonly settings = new Map<string, ProbeSettings>();
  private readonly listeners = new Set<(probeId: string) => void>();
  private readonly scrubber: Scrubber;

  constructor(private readonly opts: ProbeEngineOptions) {
    this.now = opts.now ?? Date.now;
    this.scrubber = createScrubber(opts.secretValues ?? []);
    const problems: string[] = [];
    for (const probe of opts.registry.probes.values()) {
      try {
        this.settings.set(probe.id, this.resolveSettings(probe));
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
    }
    for (const id of Object.keys(opts.probes.overrides)) {
      if (!opts.registry.probes.has(id)) opts.log.warn({ probe: id }, `probes.overrides.${id}: no enabled probe has this id; the override is ignored`);
    }
    if (problems.length) throw new ConfigError(problems);
  }

  private resolveSettings(probe: RegisteredProbe): ProbeSettings {
    const override = this.opts.probes.overrides[probe.id];
    const where = override ? `probes.overrides.${probe.id}` : `probe ${probe.id}`;
    const thresholds: Thresholds = { ...probe.def.thresholds, ...stripUndefined(override?.thresholds ?? {}) };
    let parsed: ParsedThresholds;
    try {
      parsed = parseThresholds(thresholds);
    } catch (err) {
      if (err instanceof ThresholdError) throw new ConfigError([`${where}.thresholds: ${err.message}`]);
      throw err;
    }
    let everyMs: number;
    let timeoutMs: number;
    try {
      everyMs = parseDuration(override?.every ?? probe.def.every ?? "1m");
      timeoutMs = parseDuration(override?.timeout ?? probe.def.timeout ?? "5s");
    } catch (err) {
      throw new ConfigError([`${where}: ${err instanceof Error ? err.message : String(err)}`]);
    }
    return { everyMs: Math.max(everyMs, 1000), timeoutMs: Math.max(timeoutMs, 1), thresholds, parsed };
  }

  /** Ids of every enabled probe. */
  ids(): string[] {
    return [...this.opts.registry.probes.keys()];
  }

  has(id: string): boolean {
    return this.opts.registry.probes.has(id);
  }

  probe(id: string): RegisteredProbe {
    const p = this.opts.registry.probes.get(id);
    if (!p) throw new UnknownProbeError(id);
    return p;
  }

  settingsOf(id: string): ProbeSettings {
    const s = this.settings.get(id);
    if (!s) throw new UnknownProbeError(id);
    return s;
  }

  /** Called with a probe id whenever a new outcome for it is known. */
  subscribe(listener: (probeId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private entry(id: string): Entry {
    let e = this.entries.get(id);
    if (!e) {
      e = {
        breaker: circuitBreaker(handleAll, { halfOpenAfter: CIRCUIT_HALF_OPEN_MS, breaker: new ConsecutiveBreaker(CIRCUIT_FAILURES) }),
      };
      this.entries.set(id, e);
    }
    return e;
  }

  private limit(pluginId: string): LimitFunction {
    let l = this.limits.get(pluginId);
    if (!l) {
      l = pLimit(this.opts.probes.concurrencyPerPlugin);
      this.limits.set(pluginId, l);
    }
    return l;
  }

  /** The latest outcome without reading (undefined when never read by this instance). */
  peek(id: string): Outcome | undefined {
    return this.entries.get(id)?.last;
  }

  /** Whether the cached outcome is older than the probe's interval (or missing). */
  isStale(id: string): boolean {
    const last = this.entries.get(id)?.last;
    return !last || this.now() - last.at >= this.settingsOf(id).everyMs;
  }

  /**
   * One read from the source, shared by everyone who asks while it runs (single-flight).
   * Never throws: failures become outcomes.
   */
  refresh(id: string): Promise<Outcome> {
    const probe = this.probe(id);
    const settings = this.settingsOf(id);
    const e = this.entry(id);
    if (e.inflight) return e.inflight;
    const run = async (): Promise<Outcome> => {
      const started = this.now();
      const m = probeMetrics();
      let outcome: Outcome;
      try {
        const reading = await e.breaker.execute(() => this.limit(probe.pluginId)(() => this.readWithTimeout(probe, settings.timeoutMs)));
        // Scrubbed here, once, before the cache: the API, pages, streams and the store all read from it.
        outcome = { kind: "ok", at: this.now(), reading: this.scrubber.deep(checkReading(reading)) };
      } catch (err) {
        const kind: OutcomeKind = err instanceof BrokenCircuitError ? "circuit-open" : err instanceof ProbeTimeoutError ? "timeout" : "error";
        const message = kind === "circuit-open" ? "" : err instanceof Error ? err.message : String(err);
        outcome = { kind, at: this.now(), error: this.scrub(message) };
        if (kind === "circuit-open") {
          outcome.error = `source failing: circuit open after ${CIRCUIT_FAILURES} failed reads, retrying in ${formatMs(CIRCUIT_HALF_OPEN_MS)}${e.lastError ? ` (last error: ${e.lastError})` : ""}`;
        } else {
          e.lastError = outcome.error;
        }
      }
      if (outcome.kind !== "circuit-open") {
        m.reads.inc({ plugin: probe.pluginId, outcome: outcome.kind });
        m.readSeconds.observe({ plugin: probe.pluginId }, Math.max(0, this.now() - started) / 1000);
      }
      e.last = outcome;
      if (outcome.kind === "ok") e.lastGood = outcome;
      for (const l of this.listeners) {
        try {
          l(id);
        } catch (err) {
          this.opts.log.warn({ err, probe: id }, "probe listener failed");
        }
      }
      return outcome;
    };
    const p = run().finally(() => {
      if (e.inflight === p) e.inflight = undefined;
    });
    e.inflight = p;
    return p;
  }

  private async readWithTimeout(probe: RegisteredProbe, timeoutMs: number): Promise<ProbeReading> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new ProbeTimeoutError(timeoutMs);
        controller.abort(err);
        reject(err);
      }, timeoutMs);
    });
    const log = this.opts.log.child({ probe: probe.id });
    try {
      // A source that ignores the signal still loses the race: the caller is never held past the timeout.
      return await Promise.race([probe.def.read({ signal: controller.signal, log, now: () => new Date(this.now()) }), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private scrub(text: string): string {
    return this.scrubber.text(text).slice(0, 500);
  }

  /**
   * The outcome to show now: the cached one while fresh; a stale one at once while a refresh runs
   * in the background (stale-while-revalidate); a new read only when there is nothing yet.
   */
  async current(id: string): Promise<{ outcome: Outcome; stale: boolean }> {
    const e = this.entry(id);
    this.settingsOf(id);
    if (!e.last) return { outcome: await this.refresh(id), stale: false };
    if (this.isStale(id)) {
      void this.refresh(id);
      return { outcome: e.last, stale: true };
    }
    return { outcome: e.last, stale: false };
  }

  /** Stored samples newest first, enough to evaluate `for` durations. */
  async history(id: string, sinceMs: number): Promise<HistoryPoint[]> {
    const rows = await this.opts.store.db
      .selectFrom("probe_samples")
      .select(["at", "value"])
      .where("probe_id", "=", id)
      .where("at", ">=", sinceMs)
      .orderBy("at", "desc")
      .limit(10_000)
      .execute();
    return rows.map((r) => ({ at: Number(r.at), value: r.value === null ? null : Number(r.value) }));
  }

  /** Status of an outcome under the given thresholds (the probe's own, or a directive's). */
  async statusOf(id: string, outcome: Outcome, parsed?: ParsedThresholds): Promise<ProbeStatus> {
    if (outcome.kind !== "ok" || !outcome.reading) return "unknown";
    const e = this.entry(id);
    const own = !parsed;
    if (own && e.statusFor === outcome && e.status) return e.status;
    const t = parsed ?? this.settingsOf(id).parsed;
    const needed = historyNeeded(t);
    const history = needed > 0 ? await this.history(id, outcome.at - needed - this.settingsOf(id).everyMs * 2) : [];
    const status = evaluate(t, outcome.reading.value, outcome.at, history, outcome.reading.status);
    if (own) {
      e.statusFor = outcome;
      e.status = status;
    }
    return status;
  }

  /** The JSON reading of a probe: never waits longer than the first read; never holds secrets. */
  async reading(id: string, options: { thresholds?: Thresholds } = {}): Promise<ProbeReadingView> {
    const { outcome, stale } = await this.current(id);
    return this.view(id, outcome, stale, options.thresholds);
  }

  async view(id: string, outcome: Outcome, stale: boolean, directive?: Thresholds): Promise<ProbeReadingView> {
    const probe = this.probe(id);
    const settings = this.settingsOf(id);
    const e = this.entry(id);
    const thresholds: Thresholds = directive ? { ...settings.thresholds, ...stripUndefined(directive) } : settings.thresholds;
    const parsed = directive ? parseThresholds(thresholds) : undefined;
    const status = await this.statusOf(id, outcome, parsed);
    const circuit = e.breaker.state === CircuitState.Open || e.breaker.state === CircuitState.Isolated ? "open" : e.breaker.state === CircuitState.HalfOpen ? "half-open" : "closed";
    const base = {
      id,
      pluginId: probe.pluginId,
      title: probe.def.title,
      unit: probe.def.unit,
      everyMs: settings.everyMs,
      thresholds,
      circuit,
    } as const;
    if (outcome.kind === "ok" && outcome.reading) {
      const r = outcome.reading;
      return {
        ...base,
        status,
        value: r.value,
        summary: r.summary,
        observedAt: new Date(outcome.at).toISOString(),
        stale: stale || undefined,
        rows: r.rows,
        links: r.links,
      };
    }
    // A failed read: unknown, with the last good value and its time when there is one.
    const good = e.lastGood?.reading;
    return {
      ...base,
      status: "unknown",
      value: good ? good.value : null,
      summary: good ? `Last good reading: ${good.summary}` : outcome.kind === "timeout" ? "The source did not answer in time" : "The source could not be read",
      observedAt: good && e.lastGood ? new Date(e.lastGood.at).toISOString() : null,
      error: outcome.error,
      stale: true,
      rows: good?.rows,
      links: good?.links,
    };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== "")) as Partial<T>;
}

function checkReading(r: unknown): ProbeReading {
  if (!r || typeof r !== "object") throw new Error("the probe returned no reading");
  const reading = r as ProbeReading;
  if (reading.value !== null && typeof reading.value !== "number") throw new Error("the probe returned a value that is not a number");
  if (typeof reading.summary !== "string") throw new Error("the probe returned no summary");
  return reading;
}
