import type { Portal } from "../portal.server";
import { promqlService } from "../probes/promql.server";
import type { WindowCount } from "./burn";
import type { SloConfig } from "./config";
import { sentryService, sloConfigs, sloTitle, SloUnavailable } from "./service.server";
import { probeCountBetween, prometheusCountBetween, sentryCountBetween } from "./sources.server";

export interface SloMonthIncident {
  id: string;
  title: string;
  severity: string;
  /** The part of the incident inside the month: impact (or detection) to resolution (or now). */
  from: number;
  to: number;
  /** Failed events while it lasted, and their share of the month's failures in percent. */
  bad: number;
  sharePct: number | null;
}

export interface SloMonth {
  /** "2025-11" (UTC). */
  month: string;
  from: number;
  to: number;
  total: number;
  bad: number;
  /** Failures allowed for the month's events: total × (1 − objective). */
  allowed: number;
  /** bad ÷ allowed in percent; null without events. Above 100 the month missed its objective. */
  spentPct: number | null;
  incidents: SloMonthIncident[];
}

export interface SloReport {
  name: string;
  title: string;
  objective: number;
  runbook: string | null;
  owner: string | null;
  months: SloMonth[];
  error?: string;
}

/** The first instant of the UTC month holding `ms`, moved by `delta` months. */
export function monthStart(ms: number, delta = 0): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + delta, 1);
}

async function countBetween(portal: Portal, slo: SloConfig, from: number, to: number, signal?: AbortSignal): Promise<WindowCount> {
  if (slo.sli.probe) return probeCountBetween(portal.store, slo.sli.probe, from, to);
  if (slo.sli.sentry) return sentryCountBetween(sentryService(portal), slo, from, to, signal);
  const promql = promqlService(portal.registry);
  if (!promql || promql.unavailable) throw new SloUnavailable(promql?.unavailable ?? "this SLO reads Prometheus: configure plugins.prometheus.url");
  return prometheusCountBetween(promql, slo, from, to, signal);
}

/** Incidents linking the runbook whose impact overlaps [from, to]. */
async function incidentsLinking(portal: Portal, runbook: string, from: number, to: number) {
  return portal.store.db
    .selectFrom("incidents")
    .innerJoin("incident_links", "incident_links.incident_id", "incidents.id")
    .select(["incidents.id", "incidents.title", "incidents.severity", "incidents.detected_at", "incidents.impact_started_at", "incidents.resolved_at"])
    .where("incident_links.kind", "=", "runbook")
    .where("incident_links.ref", "=", runbook)
    .where("incidents.detected_at", "<=", to)
    .where((eb) => eb.or([eb("incidents.resolved_at", "is", null), eb("incidents.resolved_at", ">=", from)]))
    .execute();
}

async function sloMonths(portal: Portal, slo: SloConfig, months: number, now: number, signal?: AbortSignal): Promise<SloMonth[]> {
  const out: SloMonth[] = [];
  for (let m = months - 1; m >= 0; m--) {
    const from = monthStart(now, -m);
    const to = Math.min(monthStart(now, -m + 1), now);
    const count = await countBetween(portal, slo, from, to, signal);
    const allowed = count.total * (1 - slo.objective / 100);
    const incidents: SloMonthIncident[] = [];
    if (slo.runbook && count.bad > 0) {
      for (const i of await incidentsLinking(portal, slo.runbook, from, to)) {
        const start = Math.max(from, Number(i.impact_started_at ?? i.detected_at));
        const end = Math.min(to, i.resolved_at === null ? now : Number(i.resolved_at));
        if (end <= start) continue;
        const during = await countBetween(portal, slo, start, end, signal);
        if (during.bad <= 0) continue;
        incidents.push({ id: i.id, title: i.title, severity: i.severity, from: start, to: end, bad: during.bad, sharePct: (Math.min(during.bad, count.bad) / count.bad) * 100 });
      }
      incidents.sort((a, b) => b.bad - a.bad);
    }
    out.push({
      month: new Date(from).toISOString().slice(0, 7),
      from,
      to,
      total: count.total,
      bad: count.bad,
      allowed,
      spentPct: allowed > 0 ? (count.bad / allowed) * 100 : null,
      incidents,
    });
  }
  return out;
}

/**
 * Each configured SLO's error budget per calendar month (UTC), the current month up to now: the
 * failures counted over the month against those its objective allows, and the incidents linking
 * the SLO's runbook that overlap the month with the failures counted while each lasted.
 */
export async function sloReport(portal: Portal, options: { months?: number; now?: number; signal?: AbortSignal } = {}): Promise<SloReport[]> {
  const now = options.now ?? Date.now();
  const months = Math.max(1, Math.min(options.months ?? 3, 12));
  return Promise.all(
    Object.entries(sloConfigs(portal)).map(async ([name, slo]): Promise<SloReport> => {
      const base = { name, title: sloTitle(name, slo), objective: slo.objective, runbook: slo.runbook ?? null, owner: slo.owner ?? null };
      try {
        return { ...base, months: await sloMonths(portal, slo, months, now, options.signal) };
      } catch (err) {
        return { ...base, months: [], error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}
