import { useState } from "react";
import { MarkerList, TimeChart, type ChartMarker, type ChartThreshold } from "~/components/charts/time-chart";
import { useBoxWidth } from "~/components/charts/use-box-width";
import { useFormatTime } from "~/components/time";
import { CHART_RANGES, rangeText } from "~/lib/chart-scale";
import { useSlotReading } from "./provider";
import { formatValue, StatusBadge } from "./status";
import { useWidgetJson } from "./use-json";
import type { ChartAnnotation, HistoryJson, WidgetSlot } from "~/lib/widgets";

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 220;

function operand(threshold?: string): number | null {
  const m = threshold ? /^\s*(?:>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)/.exec(threshold) : null;
  return m ? Number(m[1]) : null;
}

/** A zoomed window, or the last `range` up to now. */
type ChartWindow = { range: string; end: number | null };

/**
 * `::chart{probe="…" range="24h"}`: stored samples over the range with time and value axes,
 * threshold lines, and marks for deploys, action runs and alerts. The range can be changed
 * (1h, 6h, 24h, 7d) and zoomed by dragging across the chart or clicking a point; each change
 * reloads the samples for that window.
 */
export function ChartWidget({ slot }: { slot: WidgetSlot }) {
  const { reading, error } = useSlotReading(slot);
  // Instants in the reader's zone, as the chart's axis draws them.
  const when = useFormatTime();
  const initial = slot.attrs.range || "24h";
  const [win, setWin] = useState<ChartWindow>({ range: initial, end: null });
  const titleId = `widget-${slot.key}-title`;
  const { ref: boxRef, width: boxWidth } = useBoxWidth<HTMLDivElement>(CHART_WIDTH);
  const query = `range=${encodeURIComponent(win.range)}${win.end !== null ? `&end=${win.end}` : ""}`;
  // Reload the samples when the probe has a new reading (a zoomed window stays where it is).
  const trigger = win.end === null ? reading?.observedAt : undefined;
  const { data: history, failed, mounted } = useWidgetJson<HistoryJson>(`/api/probes/${encodeURIComponent(slot.id)}/history?${query}&width=${CHART_WIDTH}`, trigger);
  const { data: notes } = useWidgetJson<{ annotations: ChartAnnotation[]; errors: string[] }>(`/api/probes/${encodeURIComponent(slot.id)}/annotations?${query}`, trigger);

  const points = history?.samples.filter((s) => s.value !== null) ?? [];
  const thresholds = { ...(history?.thresholds ?? {}), ...(slot.attrs.warn ? { warn: slot.attrs.warn } : {}), ...(slot.attrs.critical ? { critical: slot.attrs.critical } : {}) };
  const lines: ChartThreshold[] = [];
  const warn = operand(thresholds.warn);
  const critical = operand(thresholds.critical);
  if (warn !== null) lines.push({ label: `warn ${thresholds.warn}`, value: warn, color: "#9a6700" });
  if (critical !== null) lines.push({ label: `critical ${thresholds.critical}`, value: critical, color: "#c62828" });
  const markers: ChartMarker[] = (notes?.annotations ?? []).map((a) => ({ at: a.at, until: a.until, kind: a.kind, label: a.label }));
  const values = points.map((p) => p.value as number);
  const zoomed = win.end !== null || win.range !== initial;
  const windowText = win.end !== null && history ? `${when(history.from)} – ${when(history.to)}` : `last ${win.range}`;

  return (
    <figure className="widget widget-chart" data-widget="chart" data-id={slot.id} data-status={reading?.status ?? "pending"} data-range={win.range} data-end={win.end ?? ""} aria-labelledby={titleId}>
      <header className="widget-head">
        <h3 id={titleId} className="widget-title">
          {slot.attrs.title || reading?.title || history?.title || slot.id} <span className="muted" data-testid="chart-window">· {windowText}</span>
        </h3>
        <StatusBadge status={reading?.status ?? "unknown"} pending={!reading && !error} />
      </header>
      <div className="chart-range no-print" role="group" aria-label="Chart range">
        {CHART_RANGES.map((r) => (
          <button key={r} type="button" className="chart-range-button" aria-pressed={win.end === null && win.range === r} onClick={() => setWin({ range: r, end: null })}>
            {r}
          </button>
        ))}
        {history && mounted ? (
          <button
            type="button"
            className="chart-range-button"
            title="Show twice the span around this window"
            onClick={() => {
              const span = history.to - history.from;
              const end = Math.min(Date.now(), history.to + span / 2);
              setWin({ range: rangeText(Math.min(90 * 86_400_000, span * 2)), end: end >= Date.now() - 60_000 ? null : Math.round(end) });
            }}
          >
            Zoom out
          </button>
        ) : null}
        {zoomed ? (
          <button type="button" className="chart-range-button" onClick={() => setWin({ range: initial, end: null })}>
            Reset
          </button>
        ) : null}
        <span className="muted chart-range-hint">drag across the chart to zoom</span>
      </div>
      <div className="chart-box" ref={boxRef} style={{ width: "100%", maxWidth: CHART_WIDTH, minHeight: CHART_HEIGHT }}>
        {error || failed ? (
          <p className="widget-error" role="alert">
            {error ?? failed}
          </p>
        ) : mounted && history ? (
          points.length ? (
            <>
              <TimeChart
                width={boxWidth}
                height={CHART_HEIGHT}
                from={history.from}
                to={history.to}
                series={[{ name: history.title, points: history.samples }]}
                unit={history.unit}
                thresholds={lines}
                markers={markers}
                label={`${history.title} over ${windowText}${history.unit ? ` in ${history.unit}` : ""}`}
                onZoom={(from, to) => setWin({ range: rangeText(to - from), end: Math.round(to) })}
              />
              {points.length === 1 ? (
                <p className="chart-note" role="note" data-testid="chart-one-sample">
                  Only one sample in this window ({formatValue(values[0]!, history.unit)} at {when(points[0]!.at)}): not enough to draw a trend.
                </p>
              ) : null}
            </>
          ) : (
            <p className="muted">No samples in this window ({windowText}) yet.</p>
          )
        ) : (
          <p className="muted" aria-busy="true">
            Loading samples…
          </p>
        )}
      </div>
      <MarkerList markers={markers} />
      <figcaption className="muted">
        {points.length
          ? `${points.length} sample${points.length === 1 ? "" : "s"} · min ${formatValue(Math.min(...values), history?.unit)} · max ${formatValue(Math.max(...values), history?.unit)} · latest ${formatValue(values[values.length - 1]!, history?.unit)}`
          : null}
        {thresholds.warn ? ` · warn ${thresholds.warn}` : null}
        {thresholds.critical ? ` · critical ${thresholds.critical}` : null}
        {history?.shownSeries ? ` · ${history.series} series, showing ${history.shownSeries} (aggregate with sum() for one line)` : null}
        {notes?.errors.length ? ` · ${notes.errors.join("; ")}` : null}
      </figcaption>
    </figure>
  );
}
