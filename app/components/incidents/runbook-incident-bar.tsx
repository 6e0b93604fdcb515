/**
 * Shown at the top of a runbook page: declare an incident pre-linked to this runbook, or see the
 * open incidents that link it. Checklist ticks in the page are recorded on the chosen incident.
 * The incidents issue fills this in.
 */
export function RunbookIncidentBar({ runbookPath: _runbookPath, plugins: _plugins }: { runbookPath: string; plugins: string[] }) {
  return null;
}
