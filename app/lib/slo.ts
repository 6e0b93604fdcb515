/** What `GET /api/slo/:name` answers and the `::slo{id="…"}` widget draws. No server imports. */
export interface SloWidgetJson {
  name: string;
  title: string;
  objective: number;
  window: string;
  owner: string | null;
  runbook: string | null;
  at: number;
  /** Budget left over the window in percent (negative when overspent); null without events. */
  remainingPct: number | null;
  windowEvents: number;
  burn: Record<"5m" | "30m" | "1h" | "6h" | "3d", number | null>;
  conditions: { kind: "page" | "ticket"; rule: string; firing: boolean; suppressed: boolean; events: number }[];
  minEvents: number;
  firing: "page" | "ticket" | null;
  sentence: string;
  budget: { at: number; remainingPct: number | null }[];
  deploys: { at: number; label: string }[];
  /** Why the chart could not be drawn, when the figures could. */
  chartError?: string;
  /** Set when the deploy platforms did not all answer in time: the chart's deploy marks may be missing. */
  deploysNote?: string;
}
