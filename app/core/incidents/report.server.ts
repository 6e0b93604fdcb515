import { formatDuration, formatTime, SEVERITY_INFO, type TimelineEntry } from "~/lib/incidents";
import { scrubText } from "../secrets/index.server";
import type { Store } from "../db/store.server";
import { listPreventionItems, REPORT_FIELDS, scrubIncident, type Incident, type PreventionItem, type ReportFields } from "./incidents.server";
import { incidentDeploys, withDeploys } from "./deploys.server";
import { assembleTimeline } from "./timeline.server";

export interface IncidentReport {
  incident: Incident;
  /** Saved values where someone wrote them, prefilled from the incident otherwise. */
  fields: ReportFields;
  /** Which fields are still the prefill (not yet edited). */
  prefilled: (keyof ReportFields)[];
  /** Timeline without hidden entries. */
  timeline: TimelineEntry[];
  prevention: PreventionItem[];
  duration: { from: number; to: number | null };
}

function lastText(timeline: TimelineEntry[], pred: (e: TimelineEntry) => boolean): string | undefined {
  for (let i = timeline.length - 1; i >= 0; i--) if (pred(timeline[i]) && timeline[i].text) return timeline[i].text;
  return undefined;
}

/** A first draft of each section from what the timeline already knows. */
export function prefillReport(incident: Incident, timeline: TimelineEntry[], pluginTitles: Record<string, string> = {}): ReportFields {
  const start = incident.impactStartedAt ?? incident.detectedAt;
  const end = incident.resolvedAt;
  const sev = SEVERITY_INFO[incident.severity];
  const actions = timeline.filter((e) => e.kind === "action" && e.status === "succeeded");
  const summary =
    `${incident.severity} (${sev.label}) incident "${incident.title}", ` +
    (end ? `lasting ${formatDuration(end - start)} from ${formatTime(start)} to ${formatTime(end)}.` : `ongoing since ${formatTime(start)}.`);
  const services = incident.plugins.map((p) => pluginTitles[p] ?? p).join(", ");
  const rootCause = lastText(timeline, (e) => e.kind === "status" && e.status === "identified") ?? "";
  const resolutionParts: string[] = [];
  const resolvedNote = lastText(timeline, (e) => e.kind === "status" && (e.status === "resolved" || e.status === "monitoring"));
  if (resolvedNote) resolutionParts.push(resolvedNote);
  for (const a of actions) resolutionParts.push(`- ${formatTime(a.at)}: ${a.title}${a.text ? ` — ${a.text}` : ""}`);
  return {
    summary,
    usersAffected: "",
    revenueImpact: "",
    servicesAffected: services,
    rootCause,
    resolution: resolutionParts.join("\n"),
    lessonsLearned: "",
  };
}

export async function loadReport(
  store: Store,
  incident: Incident,
  options: { secrets?: readonly string[]; pluginTitles?: Record<string, string>; probeTitles?: Record<string, string>; actionTitles?: Record<string, string>; now?: number } = {},
): Promise<IncidentReport> {
  const [own, prevention, deploys] = await Promise.all([
    assembleTimeline(store, incident, { includeHidden: false, secrets: options.secrets, now: options.now, probeTitles: options.probeTitles, actionTitles: options.actionTitles }),
    listPreventionItems(store, incident.id, options.secrets),
    incidentDeploys(incident, { secrets: options.secrets, now: options.now }),
  ]);
  const timeline = withDeploys(own, deploys);
  incident = scrubIncident(incident, options.secrets ?? []);
  const prefill = prefillReport(incident, timeline, options.pluginTitles);
  const fields = { ...prefill };
  const prefilled: (keyof ReportFields)[] = [];
  for (const k of REPORT_FIELDS) {
    const saved = incident.report[k];
    if (saved !== undefined && saved !== "") fields[k] = saved;
    else prefilled.push(k);
  }
  if (options.secrets?.length) for (const k of REPORT_FIELDS) fields[k] = scrubText(fields[k], options.secrets);
  return {
    incident,
    fields,
    prefilled,
    timeline,
    prevention,
    duration: { from: incident.impactStartedAt ?? incident.detectedAt, to: incident.resolvedAt },
  };
}

function section(text: string, placeholder: string): string {
  return text.trim() ? text.trim() : `_${placeholder}_`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

function date(ms: number | null): string {
  return ms == null ? "—" : new Date(ms).toISOString().slice(0, 10);
}

/** The postmortem as markdown, in the incident response runbook's template, with every section; times in UTC, said so. */
export function reportMarkdown(report: IncidentReport, secrets: readonly string[] = []): string {
  const { incident, fields, timeline, prevention, duration } = report;
  const sev = SEVERITY_INFO[incident.severity];
  const lines: string[] = [];
  lines.push(`# Incident Report: ${oneLine(incident.title)}`, "");
  // A file handed around across zones: one zone for every reader, named (the page itself follows the reader's choice).
  lines.push(`_All times in UTC._`, "");
  lines.push(`**Date**: ${date(incident.declaredAt)} (UTC)`);
  lines.push(`**Severity**: ${incident.severity} (${sev.label}, response: ${sev.response})`);
  lines.push(
    `**Duration**: ${duration.to == null ? "ongoing" : formatDuration(duration.to - duration.from)} (${formatTime(duration.from)} - ${duration.to == null ? "ongoing" : formatTime(duration.to)})`,
  );
  lines.push(`**Owner**: ${incident.commander ?? "—"}`);
  lines.push(`**Status**: ${incident.status}`);
  if (incident.runbooks.length) lines.push(`**Runbooks**: ${incident.runbooks.join(", ")}`);
  lines.push("", "## Summary", section(fields.summary, "No summary yet."), "");
  lines.push("## Impact");
  lines.push(`- **Users Affected**: ${oneLine(fields.usersAffected) || "_unknown_"}`);
  lines.push(`- **Revenue Impact**: ${oneLine(fields.revenueImpact) || "_unknown_"}`);
  lines.push(`- **Services Affected**: ${oneLine(fields.servicesAffected) || "_unknown_"}`);
  lines.push(`- **Impact started**: ${formatTime(incident.impactStartedAt ?? incident.detectedAt)}; detected ${formatTime(incident.detectedAt)}; declared ${formatTime(incident.declaredAt)}`);
  lines.push("", "## Timeline");
  if (!timeline.length) lines.push("_No timeline entries._");
  for (const e of timeline) {
    const who = e.actor ? ` (${e.actor})` : "";
    const fixed = e.corrected ? ` _(corrected; recorded ${formatTime(e.originalAt)})_` : "";
    const pin = e.pinned ? "📌 " : "";
    const detail = e.text ? ` — ${oneLine(e.text)}` : "";
    lines.push(`- **${formatTime(e.at)}** - ${pin}${oneLine(e.title)}${who}${detail}${fixed}`);
  }
  lines.push("", "## Root Cause", section(fields.rootCause, "Not written yet."), "");
  lines.push("## Resolution", section(fields.resolution, "Not written yet."), "");
  lines.push("## Prevention");
  if (!prevention.length) lines.push("_No prevention items yet._");
  for (const p of prevention) {
    lines.push(`- [${p.doneAt ? "x" : " "}] ${oneLine(p.description)} - Owner: ${oneLine(p.owner)} - Due: ${date(p.dueAt)}`);
  }
  lines.push("", "## Lessons Learned", section(fields.lessonsLearned, "Not written yet."), "");
  return scrubText(lines.join("\n"), secrets);
}
