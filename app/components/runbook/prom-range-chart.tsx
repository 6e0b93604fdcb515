import { useState } from "react";
import { SERIES_COLORS, TimeChart } from "~/components/charts/time-chart";
import { useBoxWidth } from "~/components/charts/use-box-width";
import { useFormatTime, useTimePreference } from "~/components/time";
import { axisZoneName, CHART_RANGES } from "~/lib/chart-scale";

interface PromRangeData {
  from: number;
  to: number;
  stepSeconds: number;
  range?: string;
  condition?: { op: string; threshold: number };
  series: { labels: Record<string, string>; points: { at: number; value: number | null }[] }[];
}

const MAX_SERIES = 10;

function seriesName(labels: Record<string, string>): string {
  const e = Object.entries(labels);
  return e.length ? `{${e.map(([k, v]) => `${k}="${v}"`).join(", ")}}` : "value";
}

/** A unit guessed from the query, for the value axis: seconds for latency histograms, % for ratios × 100. */
export function unitOfQuery(promql: string): string | undefined {
  if (/_seconds(_bucket|_sum|_count)?\b/.test(promql) && /histogram_quantile|_sum\s*\)?\s*\/|avg/.test(promql)) return "s";
  if (/\*\s*100\b/.test(promql)) return "%";
  if (/_bytes\b/.test(promql)) return "bytes";
  return undefined;
}

/**
 * A PromQL range read in place: time and value axes, the alert condition as a labelled line, a
 * legend naming each series, range buttons that read the query again over 1h/6h/24h/7d, and
 * drag-to-zoom within the points already read.
 */
export function PromRangeChart({ data, promql, onRange, busy }: { data: PromRangeData; promql: string; onRange?: (range: string) => void; busy?: boolean }) {
  const { ref, width } = useBoxWidth<HTMLDivElement>(560);
  const [zoom, setZoom] = useState<{ from: number; to: number } | null>(null);
  const { zone } = useTimePreference();
  const when = useFormatTime();
  const series = data.series ?? [];
  if (!series.length) return <p className="live-empty">No series over this span.</p>;
  const shown = series.slice(0, MAX_SERIES).map((s, i) => ({ name: seriesName(s.labels), color: SERIES_COLORS[i % SERIES_COLORS.length], points: s.points }));
  const from = zoom?.from ?? data.from;
  const to = zoom?.to ?? data.to;
  const visible = zoom ? shown.map((s) => ({ ...s, points: s.points.filter((p) => p.at >= from && p.at <= to) })) : shown;
  const unit = unitOfQuery(promql);
  const cond = data.condition;
  return (
    <figure className="live-chart" data-testid="promql-chart">
      {onRange ? (
        <div className="chart-range" role="group" aria-label="Chart range">
          {CHART_RANGES.map((r) => (
            <button key={r} type="button" className="chart-range-button" disabled={busy} aria-pressed={!zoom && (data.range ?? "24h") === r} onClick={() => (setZoom(null), onRange(r))}>
              {r}
            </button>
          ))}
          {zoom ? (
            <button type="button" className="chart-range-button" onClick={() => setZoom(null)}>
              Reset zoom
            </button>
          ) : (
            <span className="muted chart-range-hint">drag across the chart to zoom</span>
          )}
        </div>
      ) : null}
      <div ref={ref} className="chart-box">
        <TimeChart
          width={width}
          height={200}
          from={from}
          to={to}
          series={visible}
          unit={unit}
          thresholds={cond ? [{ label: `alert ${cond.op} ${cond.threshold}`, value: cond.threshold, color: "#c62828" }] : []}
          label={`${promql} from ${when(from)} to ${when(to)}`}
          onZoom={(f, t) => setZoom({ from: f, to: t })}
        />
      </div>
      <figcaption>
        <ul className="chart-legend-list">
          {shown.map((s) => (
            <li key={s.name}>
              <span className="legend-dot" style={{ background: s.color }} /> <code>{s.name}</code>
            </li>
          ))}
        </ul>
        {series.length > MAX_SERIES ? `${series.length} series, the first ${MAX_SERIES} drawn · ` : ""}step {data.stepSeconds}s · times in {axisZoneName(from, to, zone)}
      </figcaption>
    </figure>
  );
}
