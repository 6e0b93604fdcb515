import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { useSlotReading } from "./provider";
import { formatValue, StatusBadge } from "./status";
import { useWidgetJson } from "./use-json";
import type { HistoryJson, WidgetSlot } from "~/lib/widgets";

// recharts is loaded only by pages that draw a chart, and only in the browser.
const ChartView = lazy(() => import("./chart-view"));

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 220;


/** `::chart{probe="…" range="24h"}`: stored samples over the range with threshold lines. */
export function ChartWidget({ slot }: { slot: WidgetSlot }) {
  const { reading, error } = useSlotReading(slot);
  const range = slot.attrs.range || "24h";
  const titleId = `widget-${slot.key}-title`;
  // Reload the samples when the probe has a new reading.
  const { data: history, failed, mounted } = useWidgetJson<HistoryJson>(
    `/api/probes/${encodeURIComponent(slot.id)}/history?range=${encodeURIComponent(range)}&width=${CHART_WIDTH}`,
    reading?.observedAt,
  );

  // The chart fits its box (a phone's card is far narrower than 640 px), and follows resizes.
  const boxRef = useRef<HTMLDivElement>(null);
  const [boxWidth, setBoxWidth] = useState(CHART_WIDTH);
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const measure = () => setBoxWidth(Math.max(160, Math.min(CHART_WIDTH, Math.floor(box.clientWidth))));
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, []);

  const points = history?.samples.filter((s) => s.value !== null) ?? [];
  const thresholds = { ...(history?.thresholds ?? {}), ...(slot.attrs.warn ? { warn: slot.attrs.warn } : {}), ...(slot.attrs.critical ? { critical: slot.attrs.critical } : {}) };
  const values = points.map((p) => p.value as number);
  return (
    <figure className="widget widget-chart" data-widget="chart" data-id={slot.id} data-status={reading?.status ?? "pending"} aria-labelledby={titleId}>
      <header className="widget-head">
        <h3 id={titleId} className="widget-title">
          {slot.attrs.title || reading?.title || history?.title || slot.id} <span className="muted">· last {range}</span>
        </h3>
        <StatusBadge status={reading?.status ?? "unknown"} pending={!reading && !error} />
      </header>
      <div className="chart-box" ref={boxRef} style={{ width: "100%", maxWidth: CHART_WIDTH, height: CHART_HEIGHT }}>
        {error || failed ? (
          <p className="widget-error" role="alert">
            {error ?? failed}
          </p>
        ) : mounted && history ? (
          points.length ? (
            <Suspense fallback={<p className="muted">Loading chart…</p>}>
              <ChartView history={history} thresholds={thresholds} width={boxWidth} height={CHART_HEIGHT} />
            </Suspense>
          ) : (
            <p className="muted">No samples in the last {range} yet.</p>
          )
        ) : (
          <p className="muted" aria-busy="true">
            Loading samples…
          </p>
        )}
      </div>
      <figcaption className="muted">
        {points.length
          ? `${points.length} samples · min ${formatValue(Math.min(...values), history?.unit)} · max ${formatValue(Math.max(...values), history?.unit)} · latest ${formatValue(values[values.length - 1], history?.unit)}`
          : null}
        {thresholds.warn ? ` · warn ${thresholds.warn}` : null}
        {thresholds.critical ? ` · critical ${thresholds.critical}` : null}
        {history?.shownSeries ? ` · ${history.series} series, showing ${history.shownSeries} (aggregate with sum() for one line)` : null}
      </figcaption>
    </figure>
  );
}
