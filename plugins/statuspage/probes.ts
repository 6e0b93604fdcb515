import { probe, type ProbeDefinition, type ProbeReading, type ProbeStatus } from "../plugin-api";
import type { ComponentState, ProviderState } from "./api";
import { worse } from "./parse";
import type { ProviderPoller } from "./poller";

const STATUS_OF: Record<ComponentState, ProbeStatus> = { operational: "ok", under_maintenance: "warn", degraded_performance: "warn", partial_outage: "critical", major_outage: "critical" };
const WORDS: Record<ComponentState, string> = { operational: "operational", under_maintenance: "under maintenance", degraded_performance: "degraded performance", partial_outage: "partial outage", major_outage: "major outage" };
const RANK: Record<ProbeStatus, number> = { ok: 0, unknown: 1, warn: 2, critical: 3 };

export function openIncidents(s: ProviderState) {
  return s.incidents.filter((i) => i.resolvedAt === null);
}

/** What one provider's state says: the worst watched component, or an open incident on a page without components (a feed). */
export function assess(s: ProviderState): { status: ProbeStatus; value: number; summary: string } {
  const open = openIncidents(s);
  const bad = s.components.filter((c) => c.status !== "operational");
  let worst: ComponentState = "operational";
  for (const c of s.components) worst = worse(worst, c.status);
  let status = STATUS_OF[worst];
  // An open incident shows on the overview even while the watched components still say operational.
  if (status === "ok" && open.some((i) => i.impact !== "none")) status = "warn";
  const parts = [bad.length ? bad.map((c) => `${c.name}: ${WORDS[c.status]}`).join(", ") : s.components.length ? `all ${s.components.length} watched components operational` : "no component status published"];
  if (open.length) parts.push(`${open.length} open incident${open.length === 1 ? "" : "s"}: ${open[0].title}`);
  return { status, value: bad.length + (s.components.length ? 0 : open.length), summary: `${s.title}: ${parts.join("; ")}` };
}

function latestUpdate(i: ProviderState["incidents"][number]): string {
  const u = i.updates.at(-1);
  return u ? `${u.status ? `${u.status}: ` : ""}${u.body}`.slice(0, 500) : "";
}

export function providerReading(s: ProviderState): ProbeReading {
  if (s.error) throw new Error(`${s.title}: ${s.error}`);
  const a = assess(s);
  const rows: Record<string, unknown>[] = [
    ...s.components.map((c) => ({ kind: "component", name: c.name, status: WORDS[c.status], since: null, latestUpdate: null, link: null })),
    ...openIncidents(s).map((i) => ({ kind: "incident", name: i.title, status: i.status, impact: i.impact, since: new Date(i.startedAt).toISOString(), latestUpdate: latestUpdate(i), link: i.link })),
  ];
  const links = [{ label: `${s.title} status page`, href: s.url }, ...openIncidents(s).filter((i) => i.link).slice(0, 5).map((i) => ({ label: i.title.slice(0, 80), href: i.link! }))];
  return { value: a.value, status: a.status, summary: a.summary, rows, links };
}

export function providerProbe(poller: ProviderPoller, every: string, timeout: string): ProbeDefinition {
  const p = poller.provider;
  return probe({
    id: p.name,
    title: `${p.title} status`,
    description: `${p.title}'s public status page (${p.kind}): the worst watched component and open incidents.`,
    unit: "components",
    every,
    timeout,
    async read() {
      return providerReading(await poller.read());
    },
  });
}

/** `statuspage.all`: one row per provider for a `::table` widget; a provider that fails is its own unknown row. */
export function allProvidersProbe(pollers: ProviderPoller[], every: string, timeout: string): ProbeDefinition {
  return probe({
    id: "all",
    title: "Provider status pages",
    description: "Every configured provider's status page: status, open incidents, latest update.",
    unit: "providers",
    every,
    timeout,
    async read() {
      const states = await Promise.all(pollers.map((p) => p.read()));
      let status: ProbeStatus = "ok";
      let known = 0;
      const rows = states.map((s) => {
        if (s.error) return { provider: s.title, status: "unknown", summary: s.error, openIncidents: null, latestUpdate: null, link: s.url };
        known++;
        const a = assess(s);
        if (RANK[a.status] > RANK[status]) status = a.status;
        const open = openIncidents(s);
        return { provider: s.title, status: a.status, summary: a.summary, openIncidents: open.length, latestUpdate: open[0] ? latestUpdate(open[0]) : null, link: open[0]?.link ?? s.url };
      });
      if (!known) status = "unknown";
      const troubled = rows.filter((r) => r.status !== "ok");
      const summary = troubled.length ? troubled.map((r) => `${r.provider}: ${r.status}`).join(", ") : `all ${rows.length} providers operational`;
      return { value: troubled.length, status, summary, rows };
    },
  });
}
