// A runbook's PromQL, run as a person: "Show value" (instant) or "Chart 24h" (range).
import { z } from "zod";
import { action, ActionInputError } from "../plugin-api";
import { PrometheusError, sampleValue, type PromClient, type QueryData } from "./client";
import { rangeFor } from "./range";

const RANGES = { "1h": 3600_000, "6h": 6 * 3600_000, "24h": 24 * 3600_000, "7d": 7 * 24 * 3600_000 } as const;

export const PromQueryInput = z.object({
  promql: z.string().trim().min(1, "the query is empty").max(10_000, "at most 10000 characters").describe("A PromQL expression"),
  range: z.enum(["1h", "6h", "24h", "7d"]).optional().describe("Chart this span instead of reading the current value"),
});
export type PromQueryInput = z.infer<typeof PromQueryInput>;

export function promQueryAction(client: PromClient) {
  return action<PromQueryInput>({
    id: "query",
    title: "Read a PromQL query",
    description: "Reads a PromQL expression from a runbook: its current value, or a chart of the last span.",
    input: PromQueryInput,
    risk: "low",
    target: (input) => `promql:${input.promql.replace(/\s+/g, " ").slice(0, 120)}`,
    timeout: "60s",
    cancellable: true,
    async run(input, ctx) {
      const readAt = new Date();
      try {
        if (input.range) {
          // An alert condition is charted as its left side with the threshold drawn across it.
          const cond = conditionOf(input.promql);
          const r = await rangeFor(client, cond ? cond.lhs : input.promql, { from: new Date(readAt.getTime() - RANGES[input.range]), to: readAt, points: 120, signal: ctx.signal });
          ctx.log(`read ${r.series.length} series over ${input.range}${cond ? ` (left side of ${cond.op} ${cond.threshold})` : ""}`);
          return {
            summary: `${r.series.length} series over ${input.range} for: ${input.promql.slice(0, 300)}`,
            data: { kind: "promql-range", range: input.range, ...r, ...(cond ? { condition: cond } : {}), rowCount: r.series.length, readAt: readAt.toISOString() },
          };
        }
        const data = await client.query(input.promql, { signal: ctx.signal, time: readAt });
        let rows = rowsOf(data);
        // An alert condition (`expr > 20`) filters its series away while it is not met: read the
        // left side too, so the runbook shows how far from the threshold things are now.
        const cond = rows.length === 0 ? conditionOf(input.promql) : null;
        if (cond) {
          const lhs = rowsOf(await client.query(cond.lhs, { signal: ctx.signal, time: readAt }));
          rows = lhs.map((r) => ({ ...r, condition: `${cond.op} ${cond.threshold}`, met: false }));
          ctx.log(`condition ${cond.op} ${cond.threshold} not met; read ${rows.length} sample(s) of its left side`);
          return {
            summary: `condition not met now (${rows.length} series of the left side read) for: ${input.promql.slice(0, 300)}`,
            rows,
            data: { kind: "promql", resultType: data.resultType, rowCount: rows.length, condition: { ...cond, met: false }, readAt: readAt.toISOString() },
          };
        }
        ctx.log(`read ${rows.length} sample(s)`);
        return {
          summary: `${rows.length} sample(s) for: ${input.promql.slice(0, 300)}`,
          rows,
          data: { kind: "promql", resultType: data.resultType, rowCount: rows.length, readAt: readAt.toISOString() },
        };
      } catch (err) {
        if (err instanceof PrometheusError && err.errorType === "bad_data") throw new ActionInputError(`Prometheus refused the query: ${err.error}`, { promql: [err.error] });
        throw err;
      }
    },
  });
}

function rowsOf(data: QueryData): Record<string, unknown>[] {
  return data.resultType === "vector"
    ? data.result.map((s) => ({ labels: s.metric, value: sampleValue(s.value[1]), raw: s.value[1] }))
    : data.resultType === "scalar"
      ? [{ labels: {}, value: sampleValue(data.result[1]), raw: data.result[1] }]
      : data.resultType === "string"
        ? [{ labels: {}, value: null, raw: data.result[1] }]
        : data.result.map((s) => ({ labels: s.metric, value: sampleValue(s.values.at(-1)?.[1] ?? "NaN"), raw: s.values.at(-1)?.[1] ?? null }));
}

/**
 * A query whose last operator compares with a number (`increase(x[10m]) > 20`): its left side and
 * threshold. Only a trailing comparison outside any bracket counts; anything else is null.
 */
export function conditionOf(promql: string): { lhs: string; op: string; threshold: number } | null {
  const m = /^(.*\S)\s*(>=|<=|==|!=|>|<)\s*(?:bool\s+)?(-?\d+(?:\.\d*)?(?:e[+-]?\d+)?)\s*$/i.exec(promql.trim());
  if (!m) return null;
  const lhs = m[1]!;
  let depth = 0;
  for (const ch of lhs) {
    if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    if (depth < 0) return null;
  }
  if (depth !== 0 || /(>=|<=|==|!=|>|<)\s*$/.test(lhs)) return null;
  return { lhs, op: m[2]!, threshold: Number(m[3]) };
}
