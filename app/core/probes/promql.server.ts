import crypto from "node:crypto";
import { type Thresholds } from "../../../plugins/plugin-api";
import { promqlRef, type PromqlService } from "../../../plugins/prometheus/api";
import type { HistoryJson } from "~/lib/widgets";
import type { PluginRegistry } from "../plugins/registry.server";
import { evaluate, parseThresholds } from "./thresholds.server";

/** The plugin whose probes carry PromQL (it provides the `promql` service). */
const PROMQL_PLUGIN = "prometheus";

export function promqlService(registry: PluginRegistry): PromqlService | undefined {
  return registry.services.get(promqlRef);
}

/**
 * The probe id of a PromQL directive (`::status{promql="…" unit="s"}`): derived from the query and
 * unit, so every page and instance showing the same query shares one probe, cache and reads.
 */
export function promqlProbeId(promql: string, unit?: string): string {
  const hash = crypto.createHash("sha256").update(`${promql.trim()}\0${unit ?? ""}`).digest("hex").slice(0, 12);
  return `${PROMQL_PLUGIN}.q-${hash}`;
}

/**
 * Registers the ad hoc probe behind a PromQL directive on first use. Returns a problem for the page
 * when no enabled plugin runs PromQL; null when the probe is there.
 */
export function ensurePromqlProbe(registry: PluginRegistry, id: string, attrs: Record<string, string>): string | null {
  if (registry.probes.has(id)) return null;
  const service = promqlService(registry);
  if (!service) return "PromQL widgets need the prometheus plugin: configure plugins.prometheus.url";
  const promql = attrs.promql?.trim() ?? "";
  if (!promql) return 'promql="…" is empty';
  const localId = id.slice(id.indexOf(".") + 1);
  const def = service.adhocProbe(localId, promql, { unit: attrs.unit, title: attrs.title });
  registry.probes.set(id, { id, pluginId: service.pluginId, def });
  return null;
}

/**
 * A chart's points for a PromQL-backed probe, straight from Prometheus' `query_range` with a step
 * fitted to the chart's width (the history lives in Prometheus, not in the portal's store).
 * Null when the probe is not PromQL-backed.
 */
export async function promqlHistory(
  registry: PluginRegistry,
  id: string,
  opts: { rangeMs: number; now: number; width: number; thresholds: Thresholds; signal?: AbortSignal },
): Promise<(HistoryJson & { step: number; series: number; shownSeries?: string }) | null> {
  const probe = registry.probes.get(id);
  const service = promqlService(registry);
  if (!probe || !service || probe.pluginId !== service.pluginId) return null;
  const q = service.queryOf(id.slice(id.indexOf(".") + 1));
  if (!q) return null;
  const result = await service.range(q.promql, { from: new Date(opts.now - opts.rangeMs), to: new Date(opts.now), points: opts.width, signal: opts.signal });
  const parsed = parseThresholds(opts.thresholds);
  // One line per chart: the first series by labels when a query returns several.
  const sorted = [...result.series].sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
  const shown = sorted[0];
  const samples = (shown?.points ?? []).map((p) => ({ at: p.at, value: p.value, status: evaluate(parsed, p.value, p.at, []) }));
  return {
    id,
    title: probe.def.title,
    unit: probe.def.unit,
    from: result.from,
    to: result.to,
    thresholds: opts.thresholds,
    samples,
    step: result.stepSeconds,
    series: result.series.length,
    shownSeries: result.series.length > 1 && shown ? Object.entries(shown.labels).map(([k, v]) => `${k}="${v}"`).join(", ") : undefined,
  };
}
