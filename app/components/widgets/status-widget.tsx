import { useNow, useSlotReading } from "./provider";
import { formatValue, readingAge, ReadingLinks, RowsTable, WidgetHead, WidgetNotReady } from "./status";
import type { WidgetSlot } from "~/lib/widgets";

/** `::status{probe="…"}`: value, status in text and icon, summary, age, error, rows, links. */
export function StatusWidget({ slot }: { slot: WidgetSlot }) {
  const { reading, error } = useSlotReading(slot);
  const now = useNow(1000);
  const titleId = `widget-${slot.key}-title`;
  const status = reading?.status ?? "unknown";
  const title = slot.attrs.title || reading?.title || slot.id;
  return (
    <section
      className={`widget widget-status status-card is-${reading ? status : "pending"}`}
      data-widget="status"
      data-id={slot.id}
      data-status={reading ? status : "pending"}
      aria-labelledby={titleId}
    >
      <WidgetHead titleId={titleId} title={title} status={status} pending={!reading && !error} />
      {error || !reading ? (
        <WidgetNotReady error={error} probeId={slot.id} />
      ) : (
        <>
          <p className="widget-value">
            <span className="value" data-testid="widget-value">
              {formatValue(reading.value)}
            </span>{" "}
            {reading.unit ? <span className="unit">{reading.unit}</span> : null}
          </p>
          <p className="widget-summary">{reading.summary}</p>
          {reading.error ? (
            <p className="widget-error">
              <span aria-hidden="true">⚠</span> {reading.error}
            </p>
          ) : null}
          <p className="muted widget-age">
            {reading.observedAt ? (
              <>
                as of{" "}
                <time dateTime={reading.observedAt} title={reading.observedAt}>
                  {readingAge(reading.observedAt, now)}
                </time>
              </>
            ) : (
              "never read successfully"
            )}
            {reading.stale ? " · stale" : null}
          </p>
          {reading.rows?.length ? (
            <details className="widget-rows">
              <summary>
                {reading.rows.length} {reading.rows.length === 1 ? "row" : "rows"}
              </summary>
              <RowsTable rows={reading.rows} />
            </details>
          ) : null}
          <ReadingLinks links={reading.links} />
        </>
      )}
    </section>
  );
}
