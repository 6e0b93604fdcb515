import { parseDuration } from "../../../plugins/plugin-api";
import type { SloWidgetJson } from "~/lib/slo";
import type { Portal } from "../portal.server";
import { budgetSeries, deployMarks, sloConfig, sloStatus, SloUnavailable } from "./service.server";

/** Deploy marks are the chart's decoration: a deploy platform that hangs costs the widget at most this long. */
const DEPLOY_MARKS_MS = 4_000;

/** Everything the `::slo` widget shows: the figures now, the budget over the window, the deploys in it. */
export async function sloWidget(portal: Portal, name: string, opts: { at?: number; points?: number; signal?: AbortSignal } = {}): Promise<SloWidgetJson> {
  const at = opts.at ?? Date.now();
  const signal = opts.signal ?? AbortSignal.timeout(15_000);
  const slo = sloConfig(portal, name);
  if (!slo) throw new SloUnavailable(`no SLO "${name}" in the config (slos.${name})`);
  const from = at - parseDuration(slo.window);
  // The figures, the chart and the deploys are read at once; the figures do not fail with the chart,
  // and the deploy marks do not wait past their own deadline.
  const marksDeadline = AbortSignal.timeout(DEPLOY_MARKS_MS);
  const [s, budget, deploys] = await Promise.all([
    sloStatus(portal, name, at, signal),
    budgetSeries(portal, name, { from, to: at, points: opts.points ?? 60, signal }).then(
      (b) => ({ points: b, error: undefined as string | undefined }),
      (err: unknown) => ({ points: [], error: err instanceof Error ? err.message : String(err) }),
    ),
    deployMarks(portal, from, at, AbortSignal.any([signal, marksDeadline])).then((marks) => ({ marks, late: marksDeadline.aborted })),
  ]);
  const a = s.assessment;
  return {
    name,
    title: s.title,
    objective: s.objective,
    window: s.window,
    owner: s.owner,
    runbook: s.runbook,
    at,
    remainingPct: a.remainingPct,
    windowEvents: a.windowEvents,
    burn: a.burn,
    conditions: a.conditions.map((c) => ({ kind: c.kind, rule: c.rule, firing: c.firing, suppressed: c.suppressed, events: c.events })),
    minEvents: s.minEvents,
    firing: a.firing,
    sentence: s.sentence,
    // The range ends on a whole step; the chart ends with the figure of now.
    budget: budget.error || (budget.points.at(-1)?.at ?? -1) >= at ? budget.points : [...budget.points, { at, remainingPct: a.remainingPct }],
    deploys: deploys.marks,
    ...(budget.error ? { chartError: budget.error } : {}),
    ...(deploys.late ? { deploysNote: `the deploy platforms did not all answer within ${DEPLOY_MARKS_MS / 1000} s: deploy marks may be missing` } : {}),
  };
}
