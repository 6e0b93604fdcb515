// The prometheus plugin's public contract: the services it offers other plugins and the core, with
// their shapes. No side effects and no SDKs: consumers import it as a contract only.
import { createServiceRef, type ProbeDefinition } from "../plugin-api";

/** One series of a range query, as chart points. */
export interface PromqlRangeSeries {
  labels: Record<string, string>;
  points: { at: number; value: number | null }[];
}

/** PromQL for the portal: ad hoc probes from directives, ranges for charts, checks for lint. */
export interface PromqlService {
  /** The plugin id that owns the probes below (`<pluginId>.<localId>`). */
  pluginId: string;
  /** Set when Prometheus cannot be reached by design (demo without the binary): how to enable it. */
  unavailable?: string;
  /** A probe for a query written in a runbook directive; the caller picks the local id. */
  adhocProbe(localId: string, promql: string, opts?: { unit?: string; title?: string }): ProbeDefinition;
  /** The query behind one of this plugin's probes (configured, preset or ad hoc), by local id. */
  queryOf(localId: string): { promql: string; unit?: string; title?: string } | undefined;
  /** A range with the step chosen so that about `points` points cover [from, to]. */
  range(promql: string, opts: { from: Date; to: Date; points: number; signal?: AbortSignal }): Promise<{ stepSeconds: number; from: number; to: number; series: PromqlRangeSeries[] }>;
  /** Prometheus' own parse/execution error for a query, or null when it runs. */
  check(promql: string, signal?: AbortSignal): Promise<string | null>;
}

/** PromQL directives, charts and lint. */
export const promqlRef = createServiceRef<PromqlService>({ id: "promql" });
