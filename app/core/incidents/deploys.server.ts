import type { DeployMarker } from "~/lib/incidents";
import { deploysRef, type DeploymentInfo, type DeploysService } from "../../../plugins/deploys/api";
import type { TimelineEntry } from "~/lib/incidents";
import { getPortal } from "../portal.server";
import { scrubText } from "../secrets/index.server";
import type { Incident } from "./incidents.server";
import { incidentWindow } from "./timeline.server";


export interface IncidentDeploys {
  marker: DeployMarker | null;
  /** Production deploys from an hour before the incident's start to its end, as timeline entries. */
  entries: TimelineEntry[];
  /** Set when the deploy providers could not be read; the page says so instead of showing nothing. */
  error: string | null;
}

const LOOKBACK_MS = 7 * 24 * 3_600_000;
const BEFORE_START_MS = 3_600_000;
const MARKER_MS = 24 * 3_600_000;
const everReady = (d: DeploymentInfo) => d.state === "ready" || d.state === "superseded";

/**
 * Deploys for an incident that links the `deploys` plugin, read through the registry's `deploys`
 * service (core code never imports plugins). Incidents without that link get nothing.
 */
export async function incidentDeploys(incident: Incident, options: { now?: number; secrets?: readonly string[]; service?: DeploysService | null } = {}): Promise<IncidentDeploys> {
  const none: IncidentDeploys = { marker: null, entries: [], error: null };
  if (!incident.plugins.includes("deploys")) return none;
  const service = options.service === undefined ? getPortal().registry.services.get(deploysRef) : options.service;
  if (!service) return none;
  const now = options.now ?? Date.now();
  const window = incidentWindow(incident, now);
  const scrub = (t: string) => (options.secrets?.length ? scrubText(t, options.secrets) : t);
  let all: DeploymentInfo[];
  try {
    all = await service.inWindow({ from: new Date(Math.min(window.from, incident.detectedAt) - LOOKBACK_MS), to: new Date(Math.max(window.to, now) + 1) }, AbortSignal.timeout(8000));
  } catch (err) {
    return { ...none, error: scrub(`deploys could not be read: ${err instanceof Error ? err.message : String(err)}`) };
  }

  const suspect = all.find((d) => d.createdAt <= incident.detectedAt && incident.detectedAt - d.createdAt <= MARKER_MS && everReady(d));
  let marker: DeployMarker | null = null;
  if (suspect) {
    const previous = all.find((d) => d.site === suspect.site && d.createdAt < suspect.createdAt && everReady(d) && d.commit !== suspect.commit);
    const current = all.find((d) => d.site === suspect.site && d.current);
    marker = {
      site: suspect.site,
      deploymentId: suspect.id,
      commit: suspect.commit,
      commitMessage: suspect.commitMessage ? scrub(suspect.commitMessage) : null,
      author: suspect.author,
      deployedAt: suspect.createdAt,
      minutesBeforeDetection: Math.round((incident.detectedAt - suspect.createdAt) / 60_000),
      stillCurrent: current ? current.id === suspect.id || (current.commit !== null && current.commit === suspect.commit) : false,
      rollback: previous ? { ...service.rollbackAction(previous.site, previous.id), commit: previous.commit, deployedAt: previous.createdAt } : null,
    };
  }

  const entries: TimelineEntry[] = all
    .filter((d) => d.createdAt >= window.from - BEFORE_START_MS && d.createdAt <= window.to)
    .map((d) => ({
      key: `deploy:${d.site}:${d.id}`,
      source: "deploy",
      kind: "deploy",
      at: d.createdAt,
      originalAt: d.createdAt,
      corrected: false,
      pinned: false,
      hidden: false,
      actor: d.author,
      title: scrub(`Deploy to ${d.site}: ${d.id} (${d.providerState})${d.commit ? `, commit ${d.commit.slice(0, 7)}` : ""}`),
      text: d.commitMessage ? scrub(d.commitMessage) : undefined,
      status: d.state === "failed" ? "critical" : undefined,
    }));
  return { marker, entries, error: null };
}

/** The page's and the API's timeline with the deploys merged in by time. */
export function withDeploys(timeline: TimelineEntry[], deploys: IncidentDeploys): TimelineEntry[] {
  if (!deploys.entries.length) return timeline;
  return [...timeline, ...deploys.entries].sort((a, b) => a.at - b.at);
}
