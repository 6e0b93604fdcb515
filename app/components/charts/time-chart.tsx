import { useRef, useState } from "react";
import { useTimePreference } from "~/components/time";
import { axisZoneName, formatAxisValue, spreadLabels, timeTicks, valueDomain, valueTicks, zoomWindow } from "~/lib/chart-scale";
import { formatInstant } from "~/lib/time";

export interface ChartSeries {
  name: string;
  color?: string;
  points: { at: number; value: number | null }[];
  /** Draw each point as a dot only (no line between them): scattered events such as run starts. */
  dotsOnly?: boolean;
}

export interface ChartThreshold {
  label: string;
  value: number;
  color: string;
}

export type MarkerKind = "deploy" | "action" | "alert" | "gap";

export interface ChartMarker {
  at: number;
  /** A span (a gap, a firing alert) rather than an instant. */
  until?: number;
  kind: MarkerKind;
  label: string;
}

const MARKER_STYLE: Record<MarkerKind, { color: string; letter: string; name: string }> = {
  deploy: { color: "#6f42c1", letter: "D", name: "deploy" },
  action: { color: "#0b7a3e", letter: "A", name: "action" },
  alert: { color: "#c62828", letter: "!", name: "alert" },
  gap: { color: "#c62828", letter: "×", name: "missed" },
};

export const SERIES_COLORS = ["#1f5fbf", "#e0701b", "#0b7a3e", "#6f42c1", "#c62828", "#00838f", "#8d6e63", "#5a7da8", "#d4a514", "#ad1457"];

const FONT = 11;
const CHAR_W = 6.8;

/** "2026-12-06 11:20:05 CET": an instant in the chart's zone, the zone named (without the day: "11:20:05 CET"). */
function describeTime(at: number, timeZone: string, date = true): string {
  return formatInstant(at, { mode: "local", zone: timeZone }, { seconds: true, date });
}

/**
 * A time-series chart drawn as plain SVG: a time axis on wall-clock ticks of `timeZone` (default the
 * reader's time preference, UTC or their own zone) with the zone named at the axis's start, a value
 * axis with units, threshold lines whose labels never overprint, event markers (deploys, actions,
 * alerts) like Grafana's annotations, and drag-to-zoom (or click to zoom in around a point) when
 * `onZoom` is given. Gaps in the data (null values) break the line instead of bridging it.
 */
export function TimeChart({
  width,
  height,
  from,
  to,
  series,
  unit,
  thresholds = [],
  markers = [],
  timeZone,
  onZoom,
  label,
  valueLabel,
}: {
  width: number;
  height: number;
  from: number;
  to: number;
  series: ChartSeries[];
  unit?: string;
  thresholds?: ChartThreshold[];
  markers?: ChartMarker[];
  timeZone?: string;
  onZoom?: (from: number, to: number) => void;
  label: string;
  /** Overrides the value labels (e.g. "late 5m"); ticks stay numeric. */
  valueLabel?: (v: number, step: number) => string;
}) {
  const preference = useTimePreference();
  const zone = timeZone ?? preference.zone;
  const zoneLabel = axisZoneName(from, to, zone);
  const values = series.flatMap((s) => s.points.map((p) => p.value).filter((v): v is number => v !== null && Number.isFinite(v)));
  const domain = valueDomain([...values, ...thresholds.map((t) => t.value)], 5, unit);
  const yTicks = valueTicks(domain, unit).map((t) => (valueLabel ? { ...t, label: valueLabel(t.value, domain.step) } : t));
  // The left gutter holds the value labels and, under them on the time axis's line, the zone's name.
  const left = Math.ceil(Math.max(...yTicks.map((t) => t.label.length), zoneLabel.length, 2) * CHAR_W) + 10;
  const right = 12;
  const top = markers.length ? 18 : 8;
  const bottom = 22;
  const plotW = Math.max(40, width - left - right);
  const plotH = Math.max(30, height - top - bottom);
  const span = Math.max(1, to - from);
  const x = (t: number) => left + ((t - from) / span) * plotW;
  const y = (v: number) => top + plotH - ((v - domain.min) / (domain.max - domain.min || 1)) * plotH;
  const xTicks = timeTicks(from, to, Math.max(2, Math.floor(plotW / 70)), zone);

  const svgRef = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ x0: number; x1: number } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const toTime = (clientX: number) => {
    const box = svgRef.current?.getBoundingClientRect();
    const px = box ? ((clientX - box.left) / box.width) * width : left;
    return from + ((Math.max(left, Math.min(left + plotW, px)) - left) / plotW) * span;
  };

  // Lines break where a value is missing, so a stop in the data shows as a stop in the line.
  const paths = series.map((s) => {
    let d = "";
    let pen = false;
    for (const p of s.points) {
      if (p.value === null || !Number.isFinite(p.value)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`;
      pen = !s.dotsOnly;
    }
    return d;
  });
  const placed = spreadLabels(
    thresholds.map((t) => y(t.value)),
    FONT + 3,
    top + FONT,
    top + plotH - 2,
  );
  const hovered =
    hover === null
      ? null
      : series
          .map((s, i) => {
            let best: { at: number; value: number | null } | null = null;
            for (const p of s.points) if (p.value !== null && (!best || Math.abs(p.at - hover) < Math.abs(best.at - hover))) best = p;
            return best ? { name: s.name, color: s.color ?? SERIES_COLORS[i % SERIES_COLORS.length], ...best } : null;
          })
          .filter((h): h is NonNullable<typeof h> => h !== null);

  return (
    <div className="time-chart" data-chart="time">
      <svg
        ref={svgRef}
        className="chart-svg"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={label}
        style={{ touchAction: onZoom ? "pan-y" : undefined, cursor: onZoom ? "crosshair" : undefined }}
        onPointerDown={
          onZoom
            ? (e) => {
                const t = toTime(e.clientX);
                setDrag({ x0: t, x1: t });
                (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
              }
            : undefined
        }
        onPointerMove={(e) => {
          const t = toTime(e.clientX);
          if (drag) setDrag({ ...drag, x1: t });
          else setHover(t);
        }}
        onPointerLeave={() => setHover(null)}
        onPointerUp={
          onZoom
            ? (e) => {
                if (!drag) return;
                const t = toTime(e.clientX);
                setDrag(null);
                const dragged = Math.abs(x(t) - x(drag.x0)) >= 6;
                // A drag zooms to what it covers; a click zooms in four times around the point.
                const w = dragged ? zoomWindow(drag.x0, t) : zoomWindow(t - span / 8, t + span / 8);
                if (w.to - w.from < span) onZoom(w.from, w.to);
              }
            : undefined
        }
      >
        <title>{label}</title>
        <g className="chart-grid" stroke="#e3e7ed" strokeWidth={1}>
          {yTicks.map((t) => (
            <line key={`y${t.value}`} x1={left} x2={left + plotW} y1={y(t.value)} y2={y(t.value)} />
          ))}
          {xTicks.map((t) => (
            <line key={`x${t.value}`} x1={x(t.value)} x2={x(t.value)} y1={top} y2={top + plotH} strokeDasharray="3 3" />
          ))}
        </g>
        <g className="chart-axis chart-axis-y" fontSize={FONT} fill="#4b5563" textAnchor="end" data-axis="value">
          {yTicks.map((t) => (
            <text key={t.value} x={left - 5} y={y(t.value) + 4}>
              {t.label}
            </text>
          ))}
        </g>
        <g className="chart-axis chart-axis-x" fontSize={FONT} fill="#4b5563" textAnchor="middle" data-axis="time">
          <line x1={left} x2={left + plotW} y1={top + plotH} y2={top + plotH} stroke="#9aa4b1" />
          <text x={left - 5} y={top + plotH + 15} textAnchor="end" fontWeight={600} data-axis-zone={zone}>
            {zoneLabel}
          </text>
          {xTicks.map((t, i) => {
            const px = x(t.value);
            const w = t.label.length * CHAR_W;
            // Labels near an edge are anchored inward so the first and last are never cut off (nor over the zone's name).
            const anchor = px - w / 2 < left - 2 ? "start" : px + w / 2 > width ? "end" : "middle";
            return (
              <text key={t.value} x={anchor === "start" ? Math.max(0, px - 2) : anchor === "end" ? Math.min(width, px + 2) : px} y={top + plotH + 15} textAnchor={anchor} data-tick={i} data-at={t.value}>
                {t.label}
              </text>
            );
          })}
        </g>
        {markers.map((m, i) => {
          const st = MARKER_STYLE[m.kind];
          const mx = x(Math.max(from, Math.min(to, m.at)));
          return (
            <g key={`m${i}`} className={`chart-marker chart-marker-${m.kind}`} data-marker={m.kind}>
              <title>{`${st.name}: ${m.label} · ${describeTime(m.at, zone)}`}</title>
              {m.until !== undefined ? <rect x={mx} y={top} width={Math.max(1, x(Math.min(to, m.until)) - mx)} height={plotH} fill={st.color} opacity={0.12} /> : null}
              <line x1={mx} x2={mx} y1={top} y2={top + plotH} stroke={st.color} strokeWidth={1} strokeDasharray="2 2" />
              <circle cx={mx} cy={top - 8} r={6} fill={st.color} />
              <text x={mx} y={top - 4.5} fontSize={9} fill="#fff" textAnchor="middle" fontWeight={700}>
                {st.letter}
              </text>
            </g>
          );
        })}
        {thresholds.map((t, i) => (
          <g key={`t${i}`} className="chart-threshold" data-threshold={t.label}>
            <line x1={left} x2={left + plotW} y1={y(t.value)} y2={y(t.value)} stroke={t.color} strokeDasharray="6 3" strokeWidth={1.2} />
            <text x={left + plotW - 4} y={placed[i]!.drawnAt - 3} fontSize={FONT} fill={t.color} textAnchor="end" stroke="#fff" strokeWidth={3} paintOrder="stroke">
              {t.label}
            </text>
          </g>
        ))}
        {series.map((s, i) => {
          const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length];
          const pts = s.points.filter((p) => p.value !== null);
          // Few points, or dots only: each one drawn, so a lone sample is a dot and not a line.
          const dots = s.dotsOnly || pts.length < 40;
          return (
            <g key={`s${i}`} className="chart-series" data-series={s.name}>
              {s.dotsOnly ? null : <path d={paths[i]} fill="none" stroke={color} strokeWidth={1.8} strokeLinejoin="round" />}
              {dots
                ? pts.map((p, j) => <circle key={j} cx={x(p.at)} cy={y(p.value as number)} r={s.dotsOnly ? 3 : 2.2} fill={color} data-point={p.at} />)
                : null}
            </g>
          );
        })}
        {drag ? <rect x={Math.min(x(drag.x0), x(drag.x1))} y={top} width={Math.abs(x(drag.x1) - x(drag.x0))} height={plotH} fill="#1f5fbf" opacity={0.15} data-testid="zoom-selection" /> : null}
        {hovered?.length ? (
          <g className="chart-hover" pointerEvents="none">
            <line x1={x(hovered[0]!.at)} x2={x(hovered[0]!.at)} y1={top} y2={top + plotH} stroke="#9aa4b1" />
            {hovered.slice(0, 3).map((h, i) => {
              const text = `${describeTime(h.at, zone, false)} · ${formatAxisValue(h.value as number, Math.abs(h.value as number) / 1000 || 0.01, unit)}`;
              const px = x(h.at);
              const anchorEnd = px > left + plotW / 2;
              return (
                <text key={i} x={anchorEnd ? px - 6 : px + 6} y={top + 12 + i * 14} fontSize={FONT} fill={h.color} textAnchor={anchorEnd ? "end" : "start"} stroke="#fff" strokeWidth={3} paintOrder="stroke">
                  {text}
                </text>
              );
            })}
          </g>
        ) : null}
      </svg>
    </div>
  );
}

/** The markers under a chart as a list: what the letters on the chart stand for, readable without hovering. */
export function MarkerList({ markers, timeZone, limit = 8 }: { markers: ChartMarker[]; timeZone?: string; limit?: number }) {
  const preference = useTimePreference();
  const zone = timeZone ?? preference.zone;
  if (!markers.length) return null;
  const shown = [...markers].sort((a, b) => b.at - a.at).slice(0, limit);
  return (
    <ul className="chart-markers" data-testid="chart-markers">
      {shown.map((m, i) => {
        const st = MARKER_STYLE[m.kind];
        return (
          <li key={i} data-marker={m.kind}>
            <span className="chart-marker-dot" style={{ background: st.color }} aria-hidden="true">
              {st.letter}
            </span>{" "}
            <span className="muted">{describeTime(m.at, zone)}</span> · {st.name}: {m.label}
          </li>
        );
      })}
      {markers.length > shown.length ? <li className="muted">and {markers.length - shown.length} earlier</li> : null}
    </ul>
  );
}
