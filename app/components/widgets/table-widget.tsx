import { useNow, useSlotReading } from "./provider";
import { ReadingLinks, readingAge, RowsTable, WidgetHead, WidgetNotReady } from "./status";
import { ResultRows } from "./result-rows";
import type { WidgetSlot } from "~/lib/widgets";

/** `::table{probe="…"}`: the rows behind a probe's figure. */
export function TableWidget({ slot }: { slot: WidgetSlot }) {
  const { reading, error } = useSlotReading(slot);
  const now = useNow(5000);
  const titleId = `widget-${slot.key}-title`;
  const max = Number(slot.attrs.limit) > 0 ? Math.min(500, Number(slot.attrs.limit)) : 50;
  return (
    <section className="widget widget-table" data-widget="table" data-id={slot.id} data-status={reading?.status ?? "pending"} aria-labelledby={titleId}>
      <WidgetHead titleId={titleId} title={slot.attrs.title || reading?.title || slot.id} status={reading?.status ?? "unknown"} pending={!reading && !error} />
      {error || !reading ? (
        <WidgetNotReady error={error} probeId={slot.id} />
      ) : (
        <>
          <p className="widget-summary">
            {reading.summary} <span className="muted">· as of {readingAge(reading.observedAt, now)}</span>
          </p>
          {reading.error ? (
            <p className="widget-error">
              <span aria-hidden="true">⚠</span> {reading.error}
            </p>
          ) : null}
          {reading.rows?.length ? reading.rows.some((r) => Array.isArray(r.fixes)) ? <ResultRows rows={reading.rows} max={max} /> : <RowsTable rows={reading.rows} max={max} /> : <p className="muted">No rows.</p>}
          <ReadingLinks links={reading.links} />
        </>
      )}
    </section>
  );
}
