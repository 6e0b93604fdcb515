import type { ProbeStatus } from "~/lib/widgets";

export interface SystemCounts {
  id: string;
  title: string;
  demo: boolean;
  status: ProbeStatus;
  probes: number;
  counts: Record<ProbeStatus, number>;
  rows: { state: { snoozed: unknown } }[];
}

const ICON: Record<ProbeStatus, string> = { critical: "✖", warn: "▲", unknown: "?", ok: "✓" };
const WORD: Record<ProbeStatus, string> = { critical: "critical", warn: "warning", unknown: "unknown", ok: "ok" };

/** Counts in icon and number, each with its word for screen readers and on hover. */
export function Counts({ counts, only }: { counts: Record<ProbeStatus, number>; only?: ProbeStatus[] }) {
  const shown = (only ?? (["critical", "warn", "unknown", "ok"] as ProbeStatus[])).filter((s) => counts[s] > 0);
  return (
    <span className="ov-counts">
      {shown.map((s) => (
        <span key={s} className={`ov-count status-${s}`} title={`${counts[s]} ${WORD[s]}`}>
          <span aria-hidden="true">{ICON[s]}</span>
          {counts[s]}
          <span className="sr-only"> {WORD[s]}</span>
        </span>
      ))}
    </span>
  );
}

/** Every system in one strip, worst first; a system in trouble links to its group below. */
export function SummaryStrip({ systems }: { systems: SystemCounts[] }) {
  return (
    <ul className="ov-strip" data-testid="plugin-statuses" aria-label="Systems">
      {systems.map((p) => {
        const status = p.probes ? p.status : "none";
        const body = (
          <>
            <span className="ov-strip-title">{p.title}</span> {p.probes ? <Counts counts={p.counts} /> : <span className="muted">no probes</span>}
          </>
        );
        return (
          <li key={p.id} data-plugin={p.id} data-status={status} className={`ov-chip status-${status}`}>
            {p.rows.length ? <a href={`#system-${p.id}`}>{body}</a> : body}
          </li>
        );
      })}
    </ul>
  );
}
