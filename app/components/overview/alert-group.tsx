import { Link } from "@remix-run/react";
import { AlertRowControls, type AlertRowView } from "~/components/alerts/alert-row-controls";
import { Time } from "~/components/time";

export interface OverviewAlertView extends AlertRowView {
  severity: string | null;
  summary: string;
  startsAt: string;
  runbook: { path: string; title: string } | null;
}

const SHOWN = 3;
const ICON: Record<string, string> = { critical: "✖", error: "✖", high: "✖", warning: "▲", info: "i" };

function AlertRow({ alert, canAct }: { alert: OverviewAlertView; canAct: boolean }) {
  const sev = alert.severity ?? "unknown";
  const status = sev === "critical" || sev === "error" || sev === "high" ? "critical" : sev === "warning" ? "warn" : "unknown";
  return (
    <li className={`ov-row status-${status}${alert.silence ? " is-snoozed" : ""}`} data-alert={alert.id} data-status={status}>
      <div className="ov-row-head">
        <span className={`status-badge status-${status}`}>
          <span aria-hidden="true">{ICON[sev] ?? "?"}</span> {sev}
        </span>
        <strong className="ov-row-title">{alert.name}</strong>
      </div>
      <div className="ov-row-summary" title={alert.summary}>
        {alert.summary}
      </div>
      <div className="ov-row-meta">
        {alert.runbook ? <Link to={`/runbooks/${alert.runbook.path}`}>{alert.runbook.title}</Link> : <span className="muted">no runbook linked</span>}
        <span className="muted">
          {" "}
          · since <Time at={alert.startsAt} />
        </span>
      </div>
      <AlertRowControls alert={alert} canAct={canAct} />
    </li>
  );
}

/** Firing alerts from the receivers (the overview's own probe rows are in their systems). */
export function AlertGroup({ alerts, canAct }: { alerts: OverviewAlertView[]; canAct: boolean }) {
  if (!alerts.length) return null;
  const critical = alerts.filter((a) => !a.silence && ["critical", "error", "high"].includes(a.severity ?? "")).length;
  return (
    <section className={`ov-group ${critical ? "status-critical" : "status-warn"}`} id="system-alerts" data-testid="overview-alerts" aria-labelledby="ov-alerts-title">
      <h3 id="ov-alerts-title" className="ov-group-head">
        <span>Alerts firing</span> <span className="ov-counts">{alerts.length}</span>{" "}
        <Link to="/alerts" className="ov-group-link">
          inbox
        </Link>
      </h3>
      <ul className="ov-rows">
        {alerts.slice(0, SHOWN).map((a) => (
          <AlertRow key={a.id} alert={a} canAct={canAct} />
        ))}
      </ul>
      {alerts.length > SHOWN ? (
        <details className="ov-more">
          <summary>{alerts.length - SHOWN} more</summary>
          <ul className="ov-rows">
            {alerts.slice(SHOWN).map((a) => (
              <AlertRow key={a.id} alert={a} canAct={canAct} />
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
