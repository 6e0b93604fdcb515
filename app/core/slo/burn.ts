// Error budget and burn rates (Google SRE workbook, "Alerting on SLOs": multiwindow, multi-burn-rate).

/** The burn-rate windows, in seconds. */
export const BURN_WINDOWS = { "5m": 300, "30m": 1800, "1h": 3600, "6h": 21_600, "3d": 259_200 } as const;
export type BurnWindow = keyof typeof BURN_WINDOWS;

/** Bad and total events counted over one window ending at the evaluation time. */
export interface WindowCount {
  bad: number;
  total: number;
}

export interface BurnCondition {
  kind: "page" | "ticket";
  /** e.g. "14.4× over 1h and 5m" */
  rule: string;
  long: BurnWindow;
  short: BurnWindow;
  factor: number;
}

/** Page: 2 % of the month's budget in an hour, or 5 % in six; ticket: 10 % in three days. */
export const CONDITIONS: readonly BurnCondition[] = [
  { kind: "page", rule: "14.4× over 1h and 5m", long: "1h", short: "5m", factor: 14.4 },
  { kind: "page", rule: "6× over 6h and 30m", long: "6h", short: "30m", factor: 6 },
  { kind: "ticket", rule: "1× over 3d and 6h", long: "3d", short: "6h", factor: 1 },
];

export interface ConditionState extends BurnCondition {
  /** Both windows burn at least `factor` times the sustainable rate, with enough events. */
  firing: boolean;
  /** Both windows burn fast enough, but the long window saw fewer than minEvents events. */
  suppressed: boolean;
  events: number;
}

export interface Assessment {
  objective: number;
  /** 1 - objective/100: the share of events allowed to be bad. */
  budget: number;
  /** Budget left over the SLO window, in percent (negative when overspent); null without events. */
  remainingPct: number | null;
  /** Bad share over the SLO window; null without events. */
  errorRatio: number | null;
  windowEvents: number;
  /** Error ratio over each window divided by the budget; null when the window saw no events. */
  burn: Record<BurnWindow, number | null>;
  events: Record<BurnWindow, number>;
  conditions: ConditionState[];
  /** The worst firing condition: page beats ticket. */
  firing: "page" | "ticket" | null;
}

const ratio = (c: WindowCount | undefined): number | null => (c && c.total > 0 ? Math.min(1, Math.max(0, c.bad / c.total)) : null);

export function assess(input: { objective: number; minEvents: number; window: WindowCount; windows: Record<BurnWindow, WindowCount> }): Assessment {
  const budget = 1 - input.objective / 100;
  const burn = {} as Record<BurnWindow, number | null>;
  const events = {} as Record<BurnWindow, number>;
  for (const w of Object.keys(BURN_WINDOWS) as BurnWindow[]) {
    const r = ratio(input.windows[w]);
    burn[w] = r === null ? null : r / budget;
    events[w] = input.windows[w]?.total ?? 0;
  }
  const errorRatio = ratio(input.window);
  const conditions = CONDITIONS.map((c): ConditionState => {
    const fast = (burn[c.long] ?? 0) >= c.factor && (burn[c.short] ?? 0) >= c.factor;
    const enough = events[c.long] >= input.minEvents;
    return { ...c, firing: fast && enough, suppressed: fast && !enough, events: events[c.long] };
  });
  const firing = conditions.some((c) => c.firing && c.kind === "page") ? "page" : conditions.some((c) => c.firing) ? "ticket" : null;
  return {
    objective: input.objective,
    budget,
    remainingPct: errorRatio === null ? null : (1 - errorRatio / budget) * 100,
    errorRatio,
    windowEvents: input.window.total,
    burn,
    events,
    conditions,
    firing,
  };
}

function span(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} minutes`;
  if (seconds < 2 * 86_400) return `${Math.round(seconds / 3600)} hours`;
  return `${Math.round(seconds / 86_400)} days`;
}

/**
 * A burn rate in words: at `burn`× the sustainable rate, what is left of the window's budget lasts
 * `window / burn × remaining` ("at this rate the month's budget is gone in 3 days").
 */
export function burnSentence(a: Pick<Assessment, "burn" | "remainingPct">, windowSeconds: number, over: BurnWindow = "1h"): string {
  const rate = a.burn[over];
  const label = windowSeconds >= 28 * 86_400 ? "the month's budget" : "the budget";
  if (rate === null) return `No events in the last ${over}: nothing is spending ${label}.`;
  if (a.remainingPct !== null && a.remainingPct <= 0) return `${label[0]!.toUpperCase()}${label.slice(1)} is spent; over the last ${over} it burns at ${fmtBurn(rate)}×.`;
  if (rate < 0.01) return `Over the last ${over} almost nothing failed: ${label} is not being spent.`;
  if (rate <= 1) return `Over the last ${over} the burn rate is ${fmtBurn(rate)}×: at this rate ${label} lasts the window.`;
  const left = (a.remainingPct ?? 100) / 100;
  return `Over the last ${over} the burn rate is ${fmtBurn(rate)}×: at this rate ${label} is gone in ${span((windowSeconds * left) / rate)}.`;
}

export function fmtBurn(rate: number): string {
  return rate >= 10 ? rate.toFixed(0) : rate >= 1 ? rate.toFixed(1) : rate.toFixed(2);
}
