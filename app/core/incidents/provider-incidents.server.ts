import fs from "node:fs/promises";
import path from "node:path";
import type { ProviderIncident, ProviderState, ProviderStatusService } from "../../../plugins/statuspage/api";
import { providerStatusRef } from "../../../plugins/statuspage/api";
import { raiseInternalAlerts } from "../alerts/internal.server";
import type { IncomingAlert } from "../alerts/incoming";
import { newId } from "../ids.server";
import type { BootStep, Portal } from "../portal.server";
import { createScrubber } from "../secrets/index.server";
import { listIncidents, type Incident } from "./incidents.server";
import { incidentWindow } from "./timeline.server";

/** The statuspage plugin's service, when it is configured. */
export function providerStatus(portal: Portal): ProviderStatusService | undefined {
  // The directory is keyed by typed refs; an older string-keyed one by the ref's id.
  const directory = portal.registry.services as unknown as { get(ref: unknown): unknown };
  return (directory.get(providerStatusRef) ?? directory.get(providerStatusRef.id)) as ProviderStatusService | undefined;
}

const WORDS: Record<string, string> = { degraded_performance: "degraded performance", partial_outage: "partial outage", major_outage: "major outage", under_maintenance: "under maintenance", operational: "operational" };

/** A watched component in one of the `alertOn` states is a firing alert (source statuspage); back to another state, resolved. */
export function componentAlerts(state: ProviderState, alertOn: readonly string[], now: number): IncomingAlert[] {
  if (state.error || state.checkedAt === null) return [];
  const open = state.incidents.filter((i) => i.resolvedAt === null);
  return state.components.map((c): IncomingAlert => {
    const firing = alertOn.includes(c.status);
    const incident = open.find((i) => i.components.some((n) => n.toLowerCase() === c.name.toLowerCase())) ?? open[0];
    return {
      fingerprint: `${state.name}:${c.name}`.slice(0, 200),
      name: "ProviderComponentOutage",
      status: firing ? "firing" : "resolved",
      severity: c.status === "major_outage" ? "critical" : "warning",
      labels: { alertname: "ProviderComponentOutage", provider: state.name, component: c.name.slice(0, 200), plugin: "statuspage", probe: `statuspage.${state.name}` },
      annotations: incident?.link ? { incident: incident.link } : ({} as Record<string, string>),
      summary: `${state.title} ${c.name}: ${WORDS[c.status] ?? c.status}${incident ? ` (${incident.title})` : ""}`.slice(0, 2000),
      startsAt: incident && firing ? Math.min(incident.startedAt, now) : now,
      endsAt: null,
      generatorURL: incident?.link ?? state.url,
    };
  });
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether our incident involves the provider: a linked plugin that depends on it, or a linked runbook that names it or shows its widget. */
async function involves(incident: Incident, state: ProviderState, runbookText: (p: string) => Promise<string>): Promise<boolean> {
  if (incident.plugins.some((p) => state.plugins.includes(p))) return true;
  const word = new RegExp(`(^|[^\\w])${escapeRe(state.title)}([^\\w]|$)`, "i");
  for (const rb of incident.runbooks) {
    const text = await runbookText(rb);
    if (text.includes(`statuspage.${state.name}"`) || word.test(text)) return true;
  }
  return false;
}

interface ProviderEventData {
  key: string;
  event: "started" | "update" | "resolved";
  provider: string;
  providerTitle: string;
  incidentId: string;
  title: string;
  status: string;
  impact: string | null;
  link: string | null;
}

function lines(state: ProviderState, i: ProviderIncident): { at: number; text: string; data: ProviderEventData }[] {
  const base = { provider: state.name, providerTitle: state.title, incidentId: i.id, title: i.title, impact: i.impact, link: i.link };
  const out: { at: number; text: string; data: ProviderEventData }[] = [];
  const [first, ...rest] = i.updates;
  out.push({ at: i.startedAt, text: first?.body ?? "", data: { ...base, key: `${state.name}:${i.id}:started`, event: "started", status: first?.status ?? i.status } });
  for (const u of rest) {
    if (u.status === "resolved" && i.resolvedAt !== null) continue;
    out.push({ at: u.at, text: u.body, data: { ...base, key: `${state.name}:${i.id}:u:${u.id}`, event: "update", status: u.status } });
  }
  if (i.resolvedAt !== null) {
    const last = i.updates.at(-1);
    out.push({ at: i.resolvedAt, text: last?.status === "resolved" ? last.body : "", data: { ...base, key: `${state.name}:${i.id}:resolved`, event: "resolved", status: "resolved" } });
  }
  return out;
}

let counter = 0;
function eventId(at: number): string {
  counter = (counter + 1) % 36 ** 4;
  return `ev_${Math.max(0, at).toString(36).padStart(9, "0")}${counter.toString(36).padStart(4, "0")}${newId().slice(0, 6)}`;
}

/**
 * A provider incident overlapping an open incident of ours that involves the provider joins its
 * timeline: started, each update, resolved, each written once (by key) as it becomes known.
 */
export async function joinProviderIncidents(portal: Portal, state: ProviderState, now = Date.now()): Promise<number> {
  if (!state.incidents.length) return 0;
  const ours = await listIncidents(portal.store, { state: "open" });
  if (!ours.length) return 0;
  const texts = new Map<string, Promise<string>>();
  const runbookText = (p: string) => {
    let t = texts.get(p);
    if (!t) texts.set(p, (t = fs.readFile(path.join(portal.runbooksDir, `${p}.md`), "utf8").catch(() => "")));
    return t;
  };
  const scrubber = createScrubber(portal.config.secretValues);
  let written = 0;
  for (const incident of ours) {
    if (!(await involves(incident, state, runbookText))) continue;
    const window = incidentWindow(incident, now);
    const overlapping = state.incidents.filter((i) => i.startedAt <= window.to && (i.resolvedAt ?? Infinity) >= window.from);
    if (!overlapping.length) continue;
    const existing = await portal.store.db.selectFrom("incident_events").select(["data"]).where("incident_id", "=", incident.id).where("type", "=", "provider").execute();
    const have = new Set(existing.map((e) => (JSON.parse(String(e.data)) as { key?: string }).key));
    const rows = overlapping
      .flatMap((i) => lines(state, i))
      .filter((l) => !have.has(l.data.key))
      .map((l) => ({ id: eventId(l.at), incident_id: incident.id, type: "provider", at: l.at, corrected_at: null, actor: `statuspage:${state.name}`, text: scrubber.text(l.text).slice(0, 2000), data: JSON.stringify(scrubber.deep(l.data)), pinned: 0, hidden: 0 }));
    if (rows.length) await portal.store.db.insertInto("incident_events").values(rows).execute();
    written += rows.length;
  }
  return written;
}

/** After each check of a provider: its components' alerts, and its incidents on our open incidents' timelines. */
export async function onProviderChecked(portal: Portal, service: ProviderStatusService, name: string, now = Date.now()): Promise<void> {
  const state = service.providers().find((p) => p.name === name);
  if (!state) return;
  const alerts = componentAlerts(state, service.alertOn(), now);
  if (alerts.length) await raiseInternalAlerts(portal, "statuspage", alerts, now);
  await joinProviderIncidents(portal, state, now);
}

export const providerIncidentsBootStep: BootStep = async (portal) => {
  const service = providerStatus(portal);
  if (!service) return;
  const chains = new Map<string, Promise<void>>();
  const unsubscribe = service.subscribe((name) => {
    const next = (chains.get(name) ?? Promise.resolve()).then(() => onProviderChecked(portal, service, name)).catch((err) => portal.log.warn({ err: err instanceof Error ? err.message : String(err), provider: name }, "provider status could not be recorded"));
    chains.set(name, next);
  });
  return async () => {
    unsubscribe();
    await Promise.all(chains.values());
  };
};
