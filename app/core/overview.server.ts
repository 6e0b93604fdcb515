// What the overview shows at a glance: every system (plugin) with its counts, the ones in trouble
// as compact groups worst first, and the inbox's firing alerts — each row acknowledgeable and
// snoozable through the alerts' own mechanism.
import type { ProbeStatus } from "../../plugins/plugin-api";
import { listAlerts } from "./alerts/inbox.server";
import { PROBE_RECEIVER, probeRowStates, type ProbeRowState } from "./alerts/probe-rows.server";
import type { Portal } from "./portal.server";
import { pluginStatuses, probeSnapshot, type ProbeSummary } from "./probes/service.server";
import { probeProblems, type ProbeProblem } from "./runbooks/coverage.server";

export type OverviewRow = ProbeProblem & { state: ProbeRowState };

export interface OverviewSystem {
  id: string;
  title: string;
  demo: boolean;
  status: ProbeStatus;
  probes: number;
  counts: Record<ProbeStatus, number>;
  /** Its probes in warning or critical: unsnoozed worst first, snoozed last. */
  rows: OverviewRow[];
}

export interface OverviewAlert {
  id: string;
  name: string;
  severity: string | null;
  summary: string;
  startsAt: string;
  runbook: { path: string; title: string } | null;
  acknowledgedBy: string | null;
  silence: { createdBy: string; comment: string; endsAt: string | null } | null;
  /** What snoozing it silences: its name and labels (not its severity), as Alertmanager matchers. */
  snoozeMatchers: { name: string; value: string; isRegex: false }[];
}

const RANK: Record<ProbeStatus, number> = { critical: 0, warn: 1, unknown: 2, ok: 3 };
const ALERT_RANK: Record<string, number> = { critical: 0, error: 1, high: 1, warning: 2, info: 3 };
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function rowRank(r: OverviewRow): number {
  return (r.state.snoozed ? 10 : 0) + RANK[r.status];
}

/** Unsnoozed critical rows, then unsnoozed warning rows: a snoozed system sinks. */
function systemRank(s: OverviewSystem): [number, number] {
  const live = s.rows.filter((r) => !r.state.snoozed);
  return [live.filter((r) => r.status === "critical").length, live.filter((r) => r.status === "warn").length];
}

export function groupBySystem(plugins: ReturnType<typeof pluginStatuses>, problems: ProbeProblem[], states: Record<string, ProbeRowState>): OverviewSystem[] {
  const none: ProbeRowState = { acknowledgedBy: null, acknowledgedAt: null, snoozed: null };
  return plugins
    .map((p) => ({
      ...p,
      rows: problems
        .filter((r) => r.pluginId === p.id)
        .map((r) => ({ ...r, state: states[r.id] ?? none }))
        .sort((a, b) => rowRank(a) - rowRank(b) || a.id.localeCompare(b.id)),
    }))
    .sort((a, b) => {
      const [ac, aw] = systemRank(a);
      const [bc, bw] = systemRank(b);
      return bc - ac || bw - aw || b.rows.length - a.rows.length || a.title.localeCompare(b.title);
    });
}

export async function firingAlerts(portal: Portal): Promise<OverviewAlert[]> {
  const alerts = (await listAlerts(portal, { status: "firing", limit: 200 })).filter((a) => a.receiver !== PROBE_RECEIVER);
  return alerts
    .map((a) => ({
      id: a.id,
      name: a.name,
      severity: a.severity,
      summary: a.summary,
      startsAt: a.startsAt,
      runbook: a.runbook ? { path: a.runbook.path, title: a.runbook.title } : null,
      acknowledgedBy: a.acknowledgedBy,
      silence: a.silence ? { createdBy: a.silence.createdBy, comment: a.silence.comment, endsAt: a.silence.endsAt } : null,
      snoozeMatchers: [
        { name: "alertname", value: a.name, isRegex: false as const },
        ...Object.entries(a.labels)
          .filter(([k]) => k !== "alertname" && k !== "severity" && LABEL_NAME.test(k))
          .slice(0, 18)
          .map(([name, value]) => ({ name, value: String(value).slice(0, 1000), isRegex: false as const })),
      ],
    }))
    .sort((a, b) => Number(!!a.silence) - Number(!!b.silence) || (ALERT_RANK[a.severity ?? ""] ?? 4) - (ALERT_RANK[b.severity ?? ""] ?? 4) || Number(!!a.acknowledgedBy) - Number(!!b.acknowledgedBy) || b.startsAt.localeCompare(a.startsAt));
}

/** Probes the core registers itself (the SLOs' burn rates): a system of their own, not lost for want of a plugin. */
function coreSystems(portal: Portal, probes: ProbeSummary[]): ReturnType<typeof pluginStatuses> {
  const known = new Set(portal.registry.plugins.map((p) => p.id));
  const byOwner = new Map<string, ProbeSummary[]>();
  for (const p of probes) if (!known.has(p.pluginId)) byOwner.set(p.pluginId, [...(byOwner.get(p.pluginId) ?? []), p]);
  return [...byOwner].map(([id, mine]) => {
    const counts: Record<ProbeStatus, number> = { ok: 0, warn: 0, critical: 0, unknown: 0 };
    for (const r of mine) counts[r.status]++;
    const status = (["critical", "warn", "unknown", "ok"] as const).find((s) => counts[s] > 0) ?? "ok";
    return { id, title: CORE_TITLES[id] ?? id, demo: false, status, probes: mine.length, counts };
  });
}

const CORE_TITLES: Record<string, string> = { slo: "Service levels" };

/** Everything the overview's systems and alerts need, read without waiting on any data source. */
export async function overviewSystems(portal: Portal) {
  const probes = await probeSnapshot(portal);
  const { problems, unshown } = probeProblems(probes, portal.log);
  const [states, alerts] = await Promise.all([probeRowStates(portal, problems), firingAlerts(portal)]);
  const plugins = [...pluginStatuses(portal, probes), ...coreSystems(portal, probes)];
  const counts: Record<ProbeStatus, number> = { ok: 0, warn: 0, critical: 0, unknown: 0 };
  for (const p of probes) counts[p.status]++;
  return {
    /** Every system with its counts, worst first: the summary strip. */
    systems: groupBySystem(plugins, problems, states),
    alerts,
    unshown,
    counts,
    total: probes.length,
    unknown: probes.filter((p) => p.status === "unknown").map((p) => ({ id: p.id, title: p.title, pluginId: p.pluginId, error: p.error ?? null })),
  };
}
