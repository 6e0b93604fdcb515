// Which runbooks cover a probe: those that show it in a widget, failing that those that name what
// it reads. The overview uses it to send a responder from a probe in trouble to the right page,
// and to say which probes in trouble no runbook shows.
import type { ProbeSummary } from "../probes/service.server";
import type { Log } from "../log.server";
import { listRunbooks, runbooksMentioning } from "./runbooks.server";
import { probeTerms } from "./probe-terms.server";

type RunbookRef = { path: string; title: string };

/** Reverse index: which runbooks show a probe in a widget. */
function runbooksShowing(log: Log): Map<string, RunbookRef[]> {
  const byProbe = new Map<string, RunbookRef[]>();
  let runbooks: ReturnType<typeof listRunbooks> = [];
  try {
    runbooks = listRunbooks();
  } catch (err) {
    log.warn({ err }, "overview: runbooks could not be listed");
  }
  for (const r of runbooks) {
    const ref = { path: r.path, title: r.title };
    const probes = new Set(r.slots.filter((s) => s.kind !== "action").map((s) => s.id));
    for (const id of probes) byProbe.set(id, [...(byProbe.get(id) ?? []), ref]);
  }
  return byProbe;
}

function safeMentions(p: ProbeSummary, log: Log): RunbookRef[] {
  try {
    return runbooksMentioning(probeTerms(p), p.title);
  } catch (err) {
    log.warn({ err }, "overview: runbooks could not be searched");
    return [];
  }
}

const RANK = { critical: 0, warn: 1, unknown: 2, ok: 3 } as const;

export type ProbeProblem = ProbeSummary & { runbooks: RunbookRef[]; mentioning: RunbookRef[] };

/**
 * Probes in warning or critical, worst first, each with the runbooks that show it (or, when none
 * does, those that name it — never a plugin's other runbooks: they send the responder to the
 * wrong page), and the ids of those no runbook shows.
 */
export function probeProblems(probes: ProbeSummary[], log: Log): { problems: ProbeProblem[]; unshown: string[] } {
  const byProbe = runbooksShowing(log);
  const problems = probes
    .filter((p) => p.status === "warn" || p.status === "critical")
    .sort((a, b) => RANK[a.status] - RANK[b.status] || a.id.localeCompare(b.id))
    .map((p) => ({ ...p, runbooks: byProbe.get(p.id) ?? [], mentioning: byProbe.has(p.id) ? [] : safeMentions(p, log) }));
  return { problems, unshown: problems.filter((p) => p.runbooks.length === 0).map((p) => p.id) };
}
