import { ActionWidget } from "~/components/widgets/action-widget";
import { useFormatTime } from "~/components/time";
import { formatDuration, type DeployMarker as DeployMarkerData } from "~/lib/incidents";

export type DeployMarkerView = DeployMarkerData;

/** "Deployed N minutes before detection", with a guarded rollback to the deployment before it. */
export function DeployMarker({ incidentId, marker, error }: { incidentId: string; marker: DeployMarkerView | null; error: string | null }) {
  const fmt = useFormatTime();
  if (error) return <p className="deploy-marker muted" role="status" data-testid="deploy-marker-error">{error}</p>;
  if (!marker) return null;
  const sha = (c: string | null) => (c ? c.slice(0, 7) : "no commit");
  return (
    <section className="deploy-marker card" aria-label="What changed" data-testid="deploy-marker">
      <p>
        <strong>Deployed {marker.minutesBeforeDetection < 120 ? `${marker.minutesBeforeDetection} minutes` : formatDuration(marker.minutesBeforeDetection * 60_000)} before detection:</strong> {marker.site} <code>{marker.deploymentId}</code> (commit{" "}
        <code>{sha(marker.commit)}</code>
        {marker.commitMessage ? ` "${marker.commitMessage}"` : ""}
        {marker.author ? ` by ${marker.author}` : ""}, {fmt(marker.deployedAt)}).{" "}
        {marker.stillCurrent ? <span>It still serves production.</span> : <span className="muted">It no longer serves production.</span>}
      </p>
      {marker.rollback && marker.stillCurrent ? (
        <div className="no-print">
          <span className="muted">
            Previous good deployment: <code>{marker.rollback.input.deploymentId}</code> (commit <code>{sha(marker.rollback.commit)}</code>, {fmt(marker.rollback.deployedAt)}).{" "}
          </span>
          <ActionWidget
            slot={{
              kind: "action",
              id: marker.rollback.actionId,
              attrs: { label: `Roll back ${marker.site} to ${marker.rollback.input.deploymentId}`, site: marker.rollback.input.site, deploymentId: marker.rollback.input.deploymentId, incident: incidentId },
              line: 0,
              key: "deploy-rollback",
            }}
          />
        </div>
      ) : null}
    </section>
  );
}
