import { Link } from "@remix-run/react";
import { ProbeRowControls, type ProbeRowStateView } from "~/components/alerts/probe-row-controls";
import { formatValue, readingAge, StatusBadge } from "~/components/widgets/status";
import type { ProbeStatus } from "~/lib/widgets";
import { Counts } from "./summary-strip";

type RunbookRef = { path: string; title: string };

export interface SystemRow {
  id: string;
  title: string;
  status: ProbeStatus;
  value: number | null;
  unit?: string;
  summary: string;
  observedAt: string | null;
  runbooks: RunbookRef[];
  mentioning: RunbookRef[];
  state: ProbeRowStateView;
}

export interface SystemGroupView {
  id: string;
  title: string;
  status: ProbeStatus;
  probes: number;
  counts: Record<ProbeStatus, number>;
  rows: SystemRow[];
}

/** Critical rows shown before "more": enough to see what is on fire, few enough that 15 systems fit a screen or two. */
const SHOWN = 3;

function RunbookLinks({ row }: { row: SystemRow }) {
  if (row.runbooks.length) {
    return (
      <>
        {row.runbooks.slice(0, 2).map((r, i) => (
          <span key={r.path}>
            {i ? " · " : ""}
            <Link to={`/runbooks/${r.path}`}>{r.title}</Link>
          </span>
        ))}
        {row.runbooks.length > 2 ? <span className="muted"> +{row.runbooks.length - 2}</span> : null}
      </>
    );
  }
  if (row.mentioning.length) {
    return (
      <>
        <span className="muted">named in </span>
        {row.mentioning.slice(0, 2).map((r, i) => (
          <span key={r.path}>
            {i ? " · " : ""}
            <Link to={`/runbooks/${r.path}`}>{r.title}</Link>
          </span>
        ))}
      </>
    );
  }
  return <span className="muted">no runbook shows it</span>;
}

function ProbeRow({ row, now, canAct }: { row: SystemRow; now: number | null; canAct: boolean }) {
  return (
    <li className={`ov-row status-${row.status}${row.state.snoozed ? " is-snoozed" : ""}`} data-probe={row.id} data-status={row.status} data-shown={row.runbooks.length ? "yes" : "no"}>
      <div className="ov-row-head">
        <StatusBadge status={row.status} />
        <strong className="ov-row-title" title={row.id}>
          {row.title}
        </strong>
        <span className="ov-value">{formatValue(row.value, row.unit)}</span>
      </div>
      <div className="ov-row-summary" title={row.summary}>
        {row.summary}
      </div>
      <div className="ov-row-meta">
        <span className="ov-runbooks" data-testid="runbooks-to-open">
          <RunbookLinks row={row} />
        </span>
        <span className="muted"> · {readingAge(row.observedAt, now)}</span>
      </div>
      <ProbeRowControls probeId={row.id} state={row.state} canAct={canAct} />
    </li>
  );
}

/** One system in trouble: its counts, its worst rows, the rest one click away. */
export function SystemGroup({ system, now, canAct }: { system: SystemGroupView; now: number | null; canAct: boolean }) {
  // Every unsnoozed critical row up to three; warnings only to fill two: a glance sees the fire, not the smoke.
  const critical = system.rows.filter((r) => r.status === "critical" && !r.state.snoozed).length;
  const first = system.rows.slice(0, Math.max(Math.min(critical, SHOWN), 2));
  const rest = system.rows.slice(first.length);
  const restCritical = rest.filter((r) => r.status === "critical").length;
  const live = system.rows.filter((r) => !r.state.snoozed);
  return (
    <section
      className={`ov-group status-${system.status}`}
      id={`system-${system.id}`}
      data-system={system.id}
      data-critical={live.filter((r) => r.status === "critical").length}
      data-warn={live.filter((r) => r.status === "warn").length}
      aria-labelledby={`system-${system.id}-title`}
    >
      <h3 id={`system-${system.id}-title`} className="ov-group-head">
        <span>{system.title}</span> <Counts counts={system.counts} only={["critical", "warn", "unknown"]} />
        <span className="muted ov-group-total"> of {system.probes}</span>
      </h3>
      <ul className="ov-rows">
        {first.map((r) => (
          <ProbeRow key={r.id} row={r} now={now} canAct={canAct} />
        ))}
      </ul>
      {rest.length ? (
        <details className="ov-more">
          <summary>
            {rest.length} more{restCritical ? ` (${restCritical} critical)` : ""}
          </summary>
          <ul className="ov-rows">
            {rest.map((r) => (
              <ProbeRow key={r.id} row={r} now={now} canAct={canAct} />
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
