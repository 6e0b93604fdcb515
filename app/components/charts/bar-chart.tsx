import { thinLabels, valueDomain, valueTicks } from "~/lib/chart-scale";

export interface BarSeries {
  key: string;
  name: string;
  color: string;
}

const FONT = 11;
const CHAR_W = 6.8;

/**
 * Vertical bars per category as plain SVG, grouped or stacked: a value axis with units whose
 * labels fit their margin, category labels thinned (never overprinted, never cut at the edges)
 * and every bar — the last one too — inside the drawing.
 */
export function BarChart({
  width,
  height,
  categories,
  series,
  values,
  stacked = false,
  unit,
  label,
  categoryLabel = (c) => c,
  describe,
}: {
  width: number;
  height: number;
  categories: string[];
  series: BarSeries[];
  /** values[category index][series key]; null for no value. */
  values: Record<string, number | null>[];
  stacked?: boolean;
  unit?: string;
  label: string;
  categoryLabel?: (c: string) => string;
  /** Hover text of one bar. */
  describe?: (category: string, s: BarSeries, v: number) => string;
}) {
  const totals = values.map((row) => (stacked ? series.reduce((a, s) => a + (row[s.key] ?? 0), 0) : Math.max(0, ...series.map((s) => row[s.key] ?? 0))));
  const domain = valueDomain([0, ...totals], 5, unit);
  const ticks = valueTicks(domain, unit);
  const left = Math.ceil(Math.max(...ticks.map((t) => t.label.length), 2) * CHAR_W) + 10;
  const right = 8;
  const top = 8;
  const bottom = 22;
  const plotW = Math.max(40, width - left - right);
  const plotH = Math.max(30, height - top - bottom);
  const slot = plotW / Math.max(1, categories.length);
  const y = (v: number) => top + plotH - ((v - domain.min) / (domain.max - domain.min || 1)) * plotH;
  const labels = categories.map(categoryLabel);
  const every = thinLabels(categories.length, plotW, Math.max(...labels.map((l) => l.length), 1) * CHAR_W + 8);
  const barW = stacked ? Math.max(2, slot * 0.7) : Math.max(2, (slot * 0.8) / Math.max(1, series.length));

  return (
    <svg className="chart-svg" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-chart="bars">
      <title>{label}</title>
      <g stroke="#e3e7ed">
        {ticks.map((t) => (
          <line key={t.value} x1={left} x2={left + plotW} y1={y(t.value)} y2={y(t.value)} />
        ))}
      </g>
      <g fontSize={FONT} fill="#4b5563" textAnchor="end" data-axis="value">
        {ticks.map((t) => (
          <text key={t.value} x={left - 5} y={y(t.value) + 4}>
            {t.label}
          </text>
        ))}
      </g>
      <line x1={left} x2={left + plotW} y1={top + plotH} y2={top + plotH} stroke="#9aa4b1" />
      {categories.map((c, i) => {
        const x0 = left + i * slot;
        let base = 0;
        return (
          <g key={c} data-category={c}>
            {series.map((s, k) => {
              const v = values[i]?.[s.key];
              if (v === null || v === undefined || v === 0) return null;
              const x = stacked ? x0 + (slot - barW) / 2 : x0 + slot * 0.1 + k * barW;
              const y0 = stacked ? base : 0;
              const y1 = y0 + v;
              if (stacked) base = y1;
              return (
                <rect key={s.key} className="chart-bar" data-series={s.key} x={x} y={y(y1)} width={Math.max(1, barW - 1)} height={Math.max(1, y(y0) - y(y1))} fill={s.color}>
                  <title>{describe ? describe(c, s, v) : `${c} · ${s.name}: ${v}`}</title>
                </rect>
              );
            })}
            {i % every === 0 ? (
              <text x={x0 + slot / 2} y={top + plotH + 15} fontSize={FONT} fill="#4b5563" textAnchor="middle" data-axis="category">
                {labels[i]}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}

/** The series of a chart named with their colours, as HTML (wraps on a phone instead of clipping). */
export function Legend({ series }: { series: { name: string; color: string }[] }) {
  return (
    <ul className="chart-legend-list">
      {series.map((s) => (
        <li key={s.name}>
          <span className="legend-dot" style={{ background: s.color }} /> {s.name}
        </li>
      ))}
    </ul>
  );
}
