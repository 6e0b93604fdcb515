import { Bar, CartesianGrid, Cell, ComposedChart, ReferenceLine, Scatter, Tooltip, XAxis, YAxis } from "recharts";

export interface RunPoint {
  at: number;
  seconds: number | null;
  failed: boolean;
  label: string;
}

/** The recharts part of the run-history chart: one bar per run (its duration), failures in red with a cross. */
export default function RunHistoryView({ points, band, width, height }: { points: RunPoint[]; band: { p5: number; p95: number } | null; width: number; height: number }) {
  const data = points.map((p, i) => ({ i, seconds: p.seconds ?? 0, fail: p.failed ? (p.seconds ?? 0) : null, failed: p.failed, label: p.label }));
  return (
    <ComposedChart width={width} height={height} data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
      <CartesianGrid stroke="#e3e7ed" strokeDasharray="3 3" />
      <XAxis dataKey="i" type="category" tick={false} label={{ value: "runs, oldest → newest", position: "insideBottom", fontSize: 11, dy: -2 }} height={22} />
      <YAxis fontSize={12} width={48} unit=" s" />
      <Tooltip labelFormatter={(_, payload) => String((payload?.[0]?.payload as { label?: string } | undefined)?.label ?? "")} formatter={(v, name) => [name === "fail" ? "failed" : `${v} s`, name === "fail" ? "outcome" : "duration"]} />
      {band ? <ReferenceLine y={band.p5} stroke="#6b7785" strokeDasharray="4 3" label={{ value: "p5", position: "insideTopLeft", fontSize: 11 }} /> : null}
      {band ? <ReferenceLine y={band.p95} stroke="#6b7785" strokeDasharray="4 3" label={{ value: "p95", position: "insideTopLeft", fontSize: 11 }} /> : null}
      <Bar dataKey="seconds" isAnimationActive={false}>
        {data.map((d) => (
          <Cell key={d.i} fill={d.failed ? "#c62828" : "#1f5fbf"} />
        ))}
      </Bar>
      <Scatter dataKey="fail" fill="#c62828" shape="cross" isAnimationActive={false} />
    </ComposedChart>
  );
}
