import { parseDuration, type ProbeStatus } from "../../../plugins/plugin-api";
import { getPortal, type BootStep, type Portal } from "../portal.server";
import { ProbeEngine, UnknownProbeError, type ProbeReadingView } from "./engine.server";
import { createScrubber } from "../secrets/index.server";
import { ProbeFeed } from "./feed.server";
import { electLeader, ProbeSampler, startScheduler } from "./sampler.server";
import { worst } from "./thresholds.server";

const engines = new WeakMap<Portal, ProbeEngine>();

/** The probe engine of a portal (one per portal, created on first use). */
export function probeEngine(portal: Portal = getPortal()): ProbeEngine {
  let engine = engines.get(portal);
  if (!engine) {
    engine = new ProbeEngine({
      registry: portal.registry,
      probes: portal.config.probes,
      store: portal.store,
      log: portal.log,
      secretValues: portal.config.secretValues,
    });
    engines.set(portal, engine);
  }
  return engine;
}

const feeds = new WeakMap<Portal, ProbeFeed>();

/** The live probe feed (SSE) of a portal: one per portal, shared by every open stream. */
export function probeFeed(portal: Portal = getPortal()): ProbeFeed {
  let feed = feeds.get(portal);
  if (!feed) {
    feed = new ProbeFeed(probeEngine(portal), portal.store, portal.log);
    feeds.set(portal, feed);
  }
  return feed;
}

export interface ProbeHistory {
  id: string;
  title: string;
  unit?: string;
  from: number;
  to: number;
  thresholds: ReturnType<ProbeEngine["settingsOf"]>["thresholds"];
  samples: { at: number; value: number | null; status: string }[];
}

/** Stored samples of one probe over `rangeMs` up to now, thinned evenly to at most `maxPoints`. */
export async function probeHistory(id: string, rangeMs: number, portal: Portal = getPortal(), maxPoints = 360, end?: number): Promise<ProbeHistory> {
  const engine = probeEngine(portal);
  const probe = engine.probe(id);
  const to = end ?? engine.now();
  const from = to - rangeMs;
  const rows = await portal.store.db
    .selectFrom("probe_samples")
    .select(["at", "value", "status"])
    .where("probe_id", "=", id)
    .where("at", ">=", from)
    .where("at", "<=", to)
    .orderBy("at", "asc")
    .execute();
  // Even thinning keeps the shape of long ranges without shipping every sample.
  const step = Math.max(1, Math.ceil(rows.length / maxPoints));
  const samples = rows
    .filter((_, i) => i % step === 0 || i === rows.length - 1)
    .map((r) => ({ at: Number(r.at), value: r.value === null ? null : Number(r.value), status: r.status }));
  return { id, title: probe.def.title, unit: probe.def.unit, from, to, thresholds: engine.settingsOf(id).thresholds, samples };
}

/** Boot step: validates probe settings at start, then samples every probe while this instance leads. */
export const startProbeSampling: BootStep = async (portal) => {
  const engine = probeEngine(portal);
  if (!portal.config.probes.sampling || engine.ids().length === 0) return;
  const sampler = new ProbeSampler(engine, portal.store, portal.log, parseDuration(portal.config.probes.retention));
  const leadership = await electLeader(portal.store, portal.log);
  const scheduler = startScheduler(engine, sampler, leadership, portal.log);
  return async () => {
    await scheduler.stop();
    await leadership.stop();
  };
};

export { UnknownProbeError };
export type { ProbeReadingView };

export interface ProbeSummary {
  id: string;
  pluginId: string;
  title: string;
  unit?: string;
  status: ProbeStatus;
  value: number | null;
  summary: string;
  observedAt: string | null;
  error?: string;
}

/**
 * What every probe shows right now without waiting on any source: this instance's cache, else
 * the latest stored sample, else unknown. Kicks off background reads for what is missing or stale.
 */
export async function probeSnapshot(portal: Portal = getPortal()): Promise<ProbeSummary[]> {
  const engine = probeEngine(portal);
  const ids = engine.ids();
  const latest = new Map<string, { status: string; value: number | null; summary: string; at: number; error: string | null }>();
  const uncached = ids.filter((id) => !engine.peek(id));
  if (uncached.length) {
    const rows = await portal.store.db
      .selectFrom("probe_samples as s")
      .select(["s.probe_id", "s.status", "s.value", "s.summary", "s.at", "s.error"])
      .where("s.probe_id", "in", uncached)
      .where(({ eb, selectFrom }) =>
        eb(
          "s.at",
          "=",
          selectFrom("probe_samples as t").select(({ fn }) => fn.max("t.at").as("m")).whereRef("t.probe_id", "=", "s.probe_id"),
        ),
      )
      .execute();
    // Samples stored before a secret was configured (or by an older version) are scrubbed as shown.
    const scrubber = createScrubber(portal.config.secretValues);
    for (const r of rows) latest.set(r.probe_id, { status: r.status, value: r.value === null ? null : Number(r.value), summary: scrubber.text(r.summary), at: Number(r.at), error: r.error === null ? null : scrubber.text(r.error) });
  }
  const out: ProbeSummary[] = [];
  for (const id of ids) {
    const probe = engine.probe(id);
    const outcome = engine.peek(id);
    if (!outcome || engine.isStale(id)) void engine.refresh(id);
    if (outcome) {
      const v = await engine.view(id, outcome, engine.isStale(id));
      out.push({ id, pluginId: probe.pluginId, title: v.title, unit: v.unit, status: v.status, value: v.value, summary: v.summary, observedAt: v.observedAt, error: v.error });
      continue;
    }
    const s = latest.get(id);
    out.push({
      id,
      pluginId: probe.pluginId,
      title: probe.def.title,
      unit: probe.def.unit,
      status: (s?.status as ProbeStatus) ?? "unknown",
      value: s?.value ?? null,
      summary: s?.summary ?? "Not read yet",
      observedAt: s ? new Date(s.at).toISOString() : null,
      error: s?.error ?? undefined,
    });
  }
  return out;
}

/** Each enabled plugin's worst probe status. */
export function pluginStatuses(portal: Portal, probes: ProbeSummary[]): { id: string; title: string; demo: boolean; status: ProbeStatus; probes: number; counts: Record<ProbeStatus, number> }[] {
  return portal.registry.plugins.map((p) => {
    const mine = probes.filter((r) => r.pluginId === p.id);
    const counts: Record<ProbeStatus, number> = { ok: 0, warn: 0, critical: 0, unknown: 0 };
    for (const r of mine) counts[r.status]++;
    return { id: p.id, title: p.title, demo: p.demo, status: mine.length ? worst(mine.map((r) => r.status)) : "ok", probes: mine.length, counts };
  });
}

/**
 * Starts reads for a page's probes while its HTML is being sent (never waits), so widgets fill in
 * as soon as the browser connects instead of a full read later.
 */
export function warmProbes(slots: readonly { kind: string; id: string }[], portal: Portal = getPortal()): void {
  const engine = probeEngine(portal);
  for (const id of new Set(slots.filter((s) => s.kind !== "action").map((s) => s.id))) {
    if (engine.has(id) && engine.isStale(id)) void engine.refresh(id);
  }
}

/**
 * After an action of a plugin has changed something, re-reads that plugin's probes so the pages
 * showing them update in place instead of at the next interval. Fire and forget: never throws.
 */
export function refreshPluginProbes(pluginId: string, portal: Portal = getPortal()): void {
  const engine = probeEngine(portal);
  for (const id of engine.ids()) {
    if (engine.probe(id).pluginId === pluginId) void engine.refresh(id).catch(() => {});
  }
}
