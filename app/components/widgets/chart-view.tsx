import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { HistoryJson } from "~/lib/widgets";

function operand(threshold?: string): number | null {
  const m = threshold ? /^\s*(?:>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)/.exec(threshold) : null;
  return m ? Number(m[1]) : null;
}

function time(at: number, spanMs: number): string {
  const d = new Date(at);
  return spanMs > 2 * 86_400_000 ? d.toISOString().slice(5, 10) : d.toISOString().slice(11, 16);
}

/** The recharts part of a chart widget, split out so only pages with charts load recharts. */
export default function ChartView({ history, thresholds, width, height }: { history: HistoryJson; thresholds: { warn?: string; critical?: string }; width: number; height: number }) {
  const span = history.to - history.from;
  const data = history.samples.map((s) => ({ at: s.at, value: s.value }));
  const warn = operand(thresholds.warn);
  const critical = operand(thresholds.critical);
  const ticks = Array.from({ length: 7 }, (_, i) => Math.round(history.from + (span * i) / 6));
  return (
    <LineChart width={width} height={height} data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
      <CartesianGrid stroke="#e3e7ed" strokeDasharray="3 3" />
      <XAxis dataKey="at" type="number" scale="time" domain={[history.from, history.to]} ticks={ticks} tickFormatter={(v: number) => time(v, span)} fontSize={12} />
      <YAxis fontSize={12} width={48} unit={history.unit === "ms" ? "" : undefined} />
      <Tooltip labelFormatter={(v) => new Date(Number(v)).toISOString().replace("T", " ").slice(0, 19) + " UTC"} formatter={(v) => [`${v}${history.unit ? ` ${history.unit}` : ""}`, history.title]} />
      {warn !== null ? <ReferenceLine y={warn} stroke="#9a6700" strokeDasharray="6 3" label={{ value: `warn ${thresholds.warn}`, position: "insideTopRight", fontSize: 11 }} /> : null}
      {critical !== null ? <ReferenceLine y={critical} stroke="#c62828" strokeDasharray="6 3" label={{ value: `critical ${thresholds.critical}`, position: "insideTopRight", fontSize: 11 }} /> : null}
      <Line type="monotone" dataKey="value" stroke="#1f5fbf" strokeWidth={2} dot={data.length < 40 ? { r: 2 } : false} isAnimationActive={false} connectNulls={false} />
    </LineChart>
  );
}
