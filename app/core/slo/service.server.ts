import { parseDuration, type ProbeDefinition, type ProbeStatus } from "../../../plugins/plugin-api";
import { deploysRef } from "../../../plugins/deploys/api";
import { sentryEventsRef, type SentryEventsService } from "../../../plugins/sentry/api";
import type { IncomingAlert } from "../alerts/incoming";
import type { Portal } from "../portal.server";
import { promqlService } from "../probes/promql.server";
import { assess, burnSentence, type Assessment } from "./burn";
import type { SloConfig } from "./config";
import { probeCounts, probeRatioSeries, prometheusCounts, prometheusRatioSeries, sentryCounts, sentryRatioSeries, type Counts } from "./sources.server";

/** The pseudo-plugin that owns `slo.<name>` probes. */
export const SLO_PLUGIN = "slo";

export class SloUnavailable extends Error {}

export interface SloStatus {
  name: string;
  title: string;
  objective: number;
  window: string;
  owner: string | null;
  runbook: string | null;
  source: "prometheus" | "sentry" | "probe";
  minEvents: number;
  at: number;
  assessment: Assessment;
  sentence: string;
}

export function sloConfigs(portal: Portal): Record<string, SloConfig> {
  return (portal.config as { slos?: Record<string, SloConfig> }).slos ?? {};
}

export function sloConfig(portal: Portal, name: string): SloConfig | undefined {
  return Object.hasOwn(sloConfigs(portal), name) ? sloConfigs(portal)[name] : undefined;
}

export const sloTitle = (name: string, slo: SloConfig) => slo.title ?? `${name} (${slo.objective} %)`;

/** The sentry plugin's transaction counts, for an SLO with a `sentry` SLI. */
export function sentryService(portal: Portal): SentryEventsService {
  const service = portal.registry.services.get(sentryEventsRef);
  if (!service) throw new SloUnavailable("this SLO reads Sentry: configure plugins.sentry");
  return service;
}

/** Bad and total events over each window at `at`, from the SLI's source. */
export async function sloCounts(portal: Portal, slo: SloConfig, at: number, signal?: AbortSignal): Promise<Counts> {
  if (slo.sli.probe) return probeCounts(portal.store, slo.sli.probe, slo, at);
  if (slo.sli.sentry) return sentryCounts(sentryService(portal), slo, at, signal);
  const promql = promqlService(portal.registry);
  if (!promql) throw new SloUnavailable("this SLO reads Prometheus: configure plugins.prometheus.url");
  if (promql.unavailable) throw new SloUnavailable(promql.unavailable);
  return prometheusCounts(promql, slo, at, signal);
}

export async function sloStatus(portal: Portal, name: string, at = Date.now(), signal?: AbortSignal): Promise<SloStatus> {
  const slo = sloConfig(portal, name);
  if (!slo) throw new SloUnavailable(`no SLO "${name}" in the config (slos.${name})`);
  const counts = await sloCounts(portal, slo, at, signal);
  const assessment = assess({ objective: slo.objective, minEvents: slo.minEvents, ...counts });
  return {
    name,
    title: sloTitle(name, slo),
    objective: slo.objective,
    window: slo.window,
    owner: slo.owner ?? null,
    runbook: slo.runbook ?? null,
    source: slo.sli.probe ? "probe" : slo.sli.sentry ? "sentry" : "prometheus",
    minEvents: slo.minEvents,
    at,
    assessment,
    sentence: burnSentence(assessment, parseDuration(slo.window) / 1000),
  };
}

/** Budget left (percent) over the SLO window, at about `points` times in [from, to]. */
export async function budgetSeries(portal: Portal, name: string, opts: { from: number; to: number; points: number; signal?: AbortSignal }): Promise<{ at: number; remainingPct: number | null }[]> {
  const slo = sloConfig(portal, name);
  if (!slo) throw new SloUnavailable(`no SLO "${name}" in the config (slos.${name})`);
  const budget = 1 - slo.objective / 100;
  let rows: { at: number; bad: number; total: number }[];
  if (slo.sli.probe) rows = await probeRatioSeries(portal.store, slo.sli.probe, slo, opts);
  else if (slo.sli.sentry) rows = await sentryRatioSeries(sentryService(portal), slo, opts);
  else {
    const promql = promqlService(portal.registry);
    if (!promql || promql.unavailable) throw new SloUnavailable(promql?.unavailable ?? "this SLO reads Prometheus: configure plugins.prometheus.url");
    rows = await prometheusRatioSeries(promql, slo, opts);
  }
  return rows.map((r) => ({ at: r.at, remainingPct: r.total > 0 ? (1 - Math.min(1, r.bad / r.total) / budget) * 100 : null }));
}

/** Production deploys in a range, for the budget chart's marks; none when the deploys plugin is not configured or fails. */
export async function deployMarks(portal: Portal, from: number, to: number, signal?: AbortSignal): Promise<{ at: number; label: string }[]> {
  const service = portal.registry.services.get(deploysRef);
  if (!service) return [];
  try {
    const list = await service.inWindow({ from: new Date(from), to: new Date(to) }, signal);
    return list.map((d) => ({ at: d.createdAt, label: `${d.site}${d.commit ? ` ${d.commit.slice(0, 7)}` : ""}${d.commitMessage ? `: ${d.commitMessage.slice(0, 80)}` : ""}` }));
  } catch {
    return [];
  }
}

function probeStatusOf(a: Assessment): ProbeStatus {
  if (a.firing === "page") return "critical";
  if (a.firing === "ticket" || (a.remainingPct !== null && a.remainingPct <= 0)) return "warn";
  return a.remainingPct === null ? "unknown" : "ok";
}

/** The probe `slo.<name>`: value is the budget left in percent; page-level burn is critical, ticket-level warn. */
export function sloProbe(portal: Portal, name: string, slo: SloConfig): ProbeDefinition {
  return {
    id: name,
    title: `SLO: ${sloTitle(name, slo)}`,
    description: `Error budget left over ${slo.window} for ${slo.objective} %`,
    unit: "%",
    every: "1m",
    timeout: "10s",
    async read(ctx) {
      const s = await sloStatus(portal, name, ctx.now().getTime(), ctx.signal);
      const a = s.assessment;
      const suppressed = a.conditions.filter((c) => c.suppressed);
      const left = a.remainingPct === null ? "no events in the window" : `${a.remainingPct.toFixed(1)} % of the budget left`;
      const firing = a.conditions.filter((c) => c.firing).map((c) => `${c.kind}: ${c.rule}`);
      const quiet = suppressed.length ? `; quiet on low traffic (${suppressed[0]!.events.toFixed(0)} events in ${suppressed[0]!.long}, fewer than ${s.minEvents})` : "";
      return {
        value: a.remainingPct === null ? null : Math.round(a.remainingPct * 100) / 100,
        summary: `${left}${firing.length ? ` — burning (${firing.join("; ")})` : ""}${quiet}. ${s.sentence}`,
        status: probeStatusOf(a),
        links: s.runbook ? [{ label: "Runbook", href: `/runbooks/${s.runbook}` }] : undefined,
      };
    },
  };
}

/** Registers `slo.<name>` for each configured SLO (the registry's probes are shared by every page and the sampler). */
export function registerSloProbes(portal: Portal): void {
  for (const [name, slo] of Object.entries(sloConfigs(portal))) {
    const id = `${SLO_PLUGIN}.${name}`;
    if (portal.registry.probes.has(id)) continue;
    portal.registry.probes.set(id, { id, pluginId: SLO_PLUGIN, def: sloProbe(portal, name, slo) });
  }
}

/** The inbox alerts of one SLO's assessment: one per kind (page, ticket), firing while a condition of that kind holds. */
export function sloAlerts(s: SloStatus, slo: SloConfig, now: number): IncomingAlert[] {
  return (["page", "ticket"] as const).map((kind): IncomingAlert => {
    const conditions = s.assessment.conditions.filter((c) => c.kind === kind);
    const firing = conditions.filter((c) => c.firing);
    const severity = kind === "page" ? slo.severity.page : slo.severity.ticket;
    const burns = conditions.map((c) => `${c.long} ${fmt(s.assessment.burn[c.long])}× / ${c.short} ${fmt(s.assessment.burn[c.short])}×`).join(", ");
    return {
      fingerprint: `slo:${s.name}:${kind}`,
      name: "SloErrorBudgetBurn",
      status: firing.length ? "firing" : "resolved",
      severity,
      labels: { alertname: "SloErrorBudgetBurn", slo: s.name, kind, severity, probe: `${SLO_PLUGIN}.${s.name}`, ...(slo.owner ? { owner: slo.owner } : {}) },
      annotations: {
        ...(s.runbook ? { runbook_url: `/runbooks/${s.runbook}` } : {}),
        conditions: (firing.length ? firing : conditions).map((c) => c.rule).join("; "),
        burn: burns,
      },
      summary: `${s.title}: ${kind === "page" ? "burning fast" : "burning"} (${(firing.length ? firing : conditions).map((c) => c.rule).join(" or ")}). ${s.sentence}`.slice(0, 2000),
      startsAt: now,
      endsAt: null,
      generatorURL: s.runbook ? `/runbooks/${s.runbook}` : null,
    };
  });
}

const fmt = (v: number | null) => (v === null ? "–" : v >= 10 ? v.toFixed(0) : v.toFixed(1));

/** Evaluates every SLO at `now` and raises or resolves its burn-rate alerts (source slo). */
export async function checkSloAlerts(portal: Portal, now = Date.now()): Promise<{ fired: number; resolved: number; silenced: number; errors: string[] }> {
  const { raiseInternalAlerts } = await import("../alerts/internal.server");
  const incoming: IncomingAlert[] = [];
  const errors: string[] = [];
  for (const [name, slo] of Object.entries(sloConfigs(portal))) {
    try {
      incoming.push(...sloAlerts(await sloStatus(portal, name, now, AbortSignal.timeout(15_000)), slo, now));
    } catch (err) {
      errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const out = incoming.length ? await raiseInternalAlerts(portal, "slo", incoming, now) : { fired: 0, resolved: 0, silenced: 0 };
  return { fired: out.fired, resolved: out.resolved, silenced: out.silenced, errors };
}

/** Boot step: burn-rate conditions checked every minute; a start or a stop is an inbox alert or its resolution. */
export async function sloBootStep(portal: Portal): Promise<() => Promise<void>> {
  if (!Object.keys(sloConfigs(portal)).length) return async () => {};
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = checkSloAlerts(portal)
      .then((r) => {
        if (r.errors.length) portal.log.warn({ errors: r.errors }, "SLOs could not be evaluated");
      })
      .catch((err) => portal.log.warn({ err }, "SLO alerts failed"))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, 60_000);
  timer.unref();
  const first = setTimeout(tick, 5_000);
  first.unref();
  return async () => {
    clearInterval(timer);
    clearTimeout(first);
    await running;
  };
}
