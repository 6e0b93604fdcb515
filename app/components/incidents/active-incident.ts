/**
 * The incident a runbook page is working on, as chosen in its incident bar. Browser-only state
 * shared with other widgets on the page (the action dialog passes it as `incidentId`, so runs
 * land on the incident's timeline).
 */
let active: string | undefined;

export const ACTIVE_INCIDENT_EVENT = "opsdeck:active-incident";

export function setActiveIncidentId(id: string | undefined): void {
  active = id || undefined;
  if (typeof document !== "undefined") document.dispatchEvent(new CustomEvent(ACTIVE_INCIDENT_EVENT, { detail: { id: active } }));
}

export function getActiveIncidentId(): string | undefined {
  return active;
}
