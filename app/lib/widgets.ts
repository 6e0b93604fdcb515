import type { ProbeStatus } from "../../plugins/plugin-api";
/** Contracts between the runbook page and its widgets. No server imports: shared with the browser. */

export type WidgetKind = "status" | "chart" | "table" | "action" | "slo";

/** One `::status{…}` / `::chart{…}` / `::table{…}` / `::action{…}` directive, resolved on the server. */
export interface WidgetSlot {
  kind: WidgetKind;
  /** Probe id for status/chart/table, action id for action. */
  id: string;
  /** The directive's other attributes (range, thresholds, preset input…), as written. */
  attrs: Record<string, string>;
  /** 1-based line in the runbook source. */
  line: number;
  /** Stable per page: `${kind}-${index}`. */
  key: string;
  /** The probe's or action's title, for labels before anything loads. */
  title?: string;
  /** Actions: who may run it, so a button says so before any click. */
  risk?: "low" | "high" | "critical";
}

// One ProbeStatus: the plugin API's (a type only, erased from the browser bundle).
export type { ProbeStatus };

/** What `GET /api/probes/:probeId` answers, and what widgets draw. */
export interface ProbeReadingJson {
  id: string;
  title: string;
  unit?: string;
  status: ProbeStatus;
  value: number | null;
  summary: string;
  /** ISO time of the reading shown (may be older than now when served stale or from an open circuit). */
  observedAt: string | null;
  error?: string;
  stale?: boolean;
  rows?: Record<string, unknown>[];
  links?: { label: string; href: string }[];
}

/** A chart's history as `/api/probes/:id/history` answers it. */
export interface HistoryJson {
  id: string;
  title: string;
  unit?: string;
  from: number;
  to: number;
  thresholds: { warn?: string; critical?: string };
  samples: { at: number; value: number | null; status: string }[];
  /** PromQL charts: how many series the query returned, and which one is drawn when several. */
  series?: number;
  shownSeries?: string;
}

/** A mark on a probe chart (Grafana's annotations): what `/api/probes/:id/annotations` answers. */
export interface ChartAnnotation {
  kind: "deploy" | "action" | "alert";
  at: number;
  /** Alerts: when it resolved (absent while firing). */
  until?: number;
  label: string;
  href?: string;
}
