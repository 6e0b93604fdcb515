import { useState } from "react";
import { useFormatTime, useTimePreference } from "~/components/time";
import { toLocalInput, type TimelineEntry } from "~/lib/incidents";
import { preferredZoneName } from "~/lib/time";

export interface MarkChange {
  pinned?: boolean;
  hidden?: boolean;
  /** ISO-like `datetime-local` value in UTC, or null to restore the original time. */
  correctedAt?: string | null;
}

const KIND_LABEL: Record<string, string> = {
  declared: "declared",
  status: "status",
  severity: "severity",
  commander: "commander",
  note: "note",
  checklist: "checklist",
  edit: "edit",
  action: "action",
  approval: "approval",
  probe: "probe",
  deploy: "deploy",
  alert: "alert",
};

/**
 * The incident's timeline. Pure (no router hooks) so it renders anywhere: the incident page wires
 * `onMark` to the server, the benchmark renders it as is.
 */
export function IncidentTimeline({
  incidentId,
  entries,
  canEdit,
  onMark,
  busyKey,
  gap,
  showAllHref,
}: {
  incidentId: string;
  entries: TimelineEntry[];
  canEdit: boolean;
  onMark?: (entry: string, change: MarkChange) => void;
  busyKey?: string | null;
  /** Entries left out of a long timeline: `count` of them after the first `after` entries. */
  gap?: { after: number; count: number } | null;
  showAllHref?: string;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const fmt = useFormatTime();
  const pref = useTimePreference();
  let lastDay = "";
  const rows: React.ReactNode[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (gap && i === gap.after) {
      rows.push(
        <li key="gap" className="tl-gap">
          {gap.count} more entries in between.{" "}
          <a href={showAllHref ?? `/incidents/${incidentId}?all=1#timeline-title`}>Show the whole timeline</a>
        </li>,
      );
      lastDay = "";
    }
    const day = fmt(e.at).slice(0, 10);
    if (day !== lastDay) {
      lastDay = day;
      rows.push(
        <li key={`day-${day}`} className="tl-day" aria-hidden="true">
          {day} <span className="muted">· times in {preferredZoneName(pref, e.at)}</span>
        </li>,
      );
    }
    rows.push(
      <TimelineRow
        key={e.key}
        entry={e}
        incidentId={incidentId}
        canEdit={canEdit}
        editing={editing === e.key}
        busy={busyKey === e.key}
        onEdit={(open) => setEditing(open ? e.key : null)}
        onMark={(change) => {
          onMark?.(e.key, change);
          if (change.correctedAt !== undefined) setEditing(null);
        }}
      />,
    );
  }
  return (
    <ol className="timeline" aria-label="Timeline">
      {rows}
    </ol>
  );
}

function TimelineRow({
  entry: e,
  incidentId,
  canEdit,
  editing,
  busy,
  onEdit,
  onMark,
}: {
  entry: TimelineEntry;
  incidentId: string;
  canEdit: boolean;
  editing: boolean;
  busy: boolean;
  onEdit(open: boolean): void;
  onMark(change: MarkChange): void;
}) {
  const cls = `tl-entry tl-${e.kind}${e.pinned ? " is-pinned" : ""}${e.hidden ? " is-hidden" : ""}${e.status ? ` tl-st-${e.status}` : ""}`;
  const iso = new Date(e.at).toISOString();
  const fmt = useFormatTime();
  return (
    <li className={cls} data-entry={e.key} data-kind={e.kind}>
      <time className="tl-time" dateTime={iso} title={fmt(e.at)}>
        {fmt(e.at, { date: false }).split(" ")[0]}
      </time>
      <span className="tl-kind">{KIND_LABEL[e.kind] ?? e.kind}</span>
      <div className="tl-body">
        <span className="tl-title">
          {e.pinned ? <span className="tl-pin" aria-label="pinned">📌 </span> : null}
          {e.title}
        </span>
        {e.actor ? <span className="tl-actor"> · {e.actor}</span> : null}
        {e.href ? (
          <>
            {" · "}
            <a href={e.href}>view run</a>
          </>
        ) : null}
        {e.corrected ? <span className="tl-corrected"> · corrected (recorded {fmt(e.originalAt)})</span> : null}
        {e.hidden ? <span className="tl-hidden-note"> · hidden from report</span> : null}
        {e.text ? <div className="tl-text">{e.text}</div> : null}
        {editing ? <CorrectTimeForm entry={e} onCancel={() => onEdit(false)} onSave={(v) => onMark({ correctedAt: v })} /> : null}
      </div>
      <div className="tl-tools no-print">
        <a href={`/incidents/${incidentId}/as-of?at=${e.at}`} title="The runbook's widgets as they read at this time">
          as of then
        </a>
        {canEdit && e.source !== "deploy" ? (
          <>
            <button type="button" className="tl-btn" disabled={busy} onClick={() => onMark({ pinned: !e.pinned })}>
              {e.pinned ? "Unpin" : "Pin"}
            </button>
            <button type="button" className="tl-btn" disabled={busy} onClick={() => onMark({ hidden: !e.hidden })}>
              {e.hidden ? "Show in report" : "Hide from report"}
            </button>
            <button type="button" className="tl-btn" disabled={busy} aria-expanded={editing} onClick={() => onEdit(!editing)}>
              Correct time
            </button>
          </>
        ) : null}
      </div>
    </li>
  );
}

function CorrectTimeForm({ entry, onSave, onCancel }: { entry: TimelineEntry; onSave(v: string | null): void; onCancel(): void }) {
  const [value, setValue] = useState(toLocalInput(entry.at));
  const fmt = useFormatTime();
  const id = `correct-${entry.key.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  return (
    <form
      className="tl-correct"
      onSubmit={(ev) => {
        ev.preventDefault();
        if (value) onSave(value);
      }}
    >
      <label htmlFor={id}>Corrected time (UTC)</label>
      <input id={id} type="datetime-local" step={60} required value={value} onChange={(ev) => setValue(ev.target.value)} />
      <button type="submit">Save time</button>
      {entry.corrected ? (
        <button type="button" className="secondary" onClick={() => onSave(null)}>
          Restore original ({fmt(entry.originalAt)})
        </button>
      ) : null}
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
