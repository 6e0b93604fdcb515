import type { RunbookBlock } from "~/lib/runbook";
import { useFormatTime } from "~/components/time";
import { formatDuration } from "~/lib/incidents";
import { NotConfigured } from "../runbook/not-configured";

export interface AsOfReadingView {
  id: string;
  title: string;
  unit?: string;
  status: string;
  value: number | null;
  summary: string;
  observedAt: string | null;
  error?: string;
  ageMs: number | null;
}

export function AsOfCard({ reading }: { reading: AsOfReadingView | undefined; }) {
  const fmt = useFormatTime();
  if (!reading) return null;
  return (
    <div className={`asof-card status-border-${reading.status}`} data-probe={reading.id} data-status={reading.status}>
      <div className="asof-card-head">
        <span className={`status-dot status-${reading.status}`} aria-hidden="true">●</span> <strong>{reading.title}</strong>{" "}
        <span className={`status-${reading.status}`}>{reading.status}</span>
      </div>
      <div className="asof-value">
        {reading.value == null ? "—" : reading.value}
        {reading.unit && reading.value != null ? ` ${reading.unit}` : ""}
      </div>
      <div>{reading.summary}</div>
      {reading.error ? <div className="field-error">{reading.error}</div> : null}
      <div className="muted">
        {reading.observedAt ? `sampled ${fmt(reading.observedAt)} (${formatDuration(reading.ageMs)} before)` : "no sample stored yet"}
      </div>
    </div>
  );
}

/** The runbook text with each probe widget showing its stored reading at the chosen time. */
export function AsOfRunbook({ blocks, readings }: { blocks: RunbookBlock[]; readings: Record<string, AsOfReadingView> }) {
  return (
    <div className="runbook-body asof-body">
      {blocks.map((b) =>
        b.type === "html" ? (
          <div key={b.key} className="runbook-chunk" dangerouslySetInnerHTML={{ __html: b.html }} />
        ) : b.type === "slot" ? (
          <div key={b.key} className="runbook-widget">
            {b.slot.kind === "action" ? (
              <div className="asof-action muted">
                Action <code>{b.slot.id}</code> (not runnable in the as-of view)
              </div>
            ) : (
              <AsOfCard reading={readings[b.slot.id]} />
            )}
          </div>
        ) : b.type === "unconfigured" ? (
          <div key={b.key} className="runbook-widget">
            <NotConfigured widget={b.widget} />
          </div>
        ) : (
          <div key={b.key} className="directive-warning">
            <strong>Line {b.line}:</strong> {b.message}
          </div>
        ),
      )}
    </div>
  );
}
