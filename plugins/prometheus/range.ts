import { sampleValue, type PromClient } from "./client";

/** Step fitted to the chart: about `points` points over the range, aligned to the step. */
export async function rangeFor(client: PromClient, promql: string, opts: { from: Date; to: Date; points: number; signal?: AbortSignal }) {
  const spanS = Math.max(1, (opts.to.getTime() - opts.from.getTime()) / 1000);
  const stepSeconds = Math.max(1, Math.ceil(spanS / Math.max(1, Math.floor(opts.points))));
  const start = Math.floor(opts.from.getTime() / 1000 / stepSeconds) * stepSeconds;
  const end = Math.floor(opts.to.getTime() / 1000 / stepSeconds) * stepSeconds;
  const series = await client.queryRange(promql, { start: new Date(start * 1000), end: new Date(end * 1000), stepSeconds }, { signal: opts.signal });
  return {
    stepSeconds,
    from: start * 1000,
    to: end * 1000,
    series: series.map((s) => ({
      labels: s.metric,
      points: s.values.map(([t, v]) => ({
        at: Math.round(t * 1000),
        value: sampleValue(v),
      })),
    })),
  };
}
