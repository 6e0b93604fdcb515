// A probe declared as a mongosh query: parsed again at each read (so `new Date()` is now), run
// read-only through the driver, measured as a count, a value or the rows.
import type { Db } from "mongodb";
import { probe, type ProbeDefinition, type ProbeReading } from "../../plugin-api";
import type { QuerySpec } from "../config";
import { parseMongoQuery } from "../query-parse";
import { countMatched, runQuery } from "../run-query";

/** Rows kept on a reading for ::table widgets. */
export const SHOWN_ROWS = 50;

export interface ReadOptions {
  maxRows: number;
  maxTimeMS: number;
}

/** One read of a configured query; exported for the bench (probe path beside the bare driver call). */
export async function readQuery(db: Db, spec: QuerySpec, opts: ReadOptions, signal: AbortSignal, now = new Date()): Promise<ProbeReading> {
  const q = parseMongoQuery(spec.query, now);
  const res = await runQuery(db, q, { ...opts, signal });
  const rows = res.rows.slice(0, SHOWN_ROWS);
  const isCount = q.method === "countDocuments" || q.method === "estimatedDocumentCount";
  if (spec.measure === "value") {
    if (isCount) return { value: res.count, summary: `${res.count}`, rows };
    const first = res.rows[0];
    const entry = first ? Object.entries(first).find(([k, v]) => k !== "_id" && typeof v === "number") : undefined;
    if (!first) return { value: null, summary: "the query returned no rows", rows };
    if (!entry) throw new Error(`the first row has no numeric field: ${JSON.stringify(first).slice(0, 200)}`);
    return { value: entry[1] as number, summary: `${entry[0]} = ${entry[1]}`, rows };
  }
  if (isCount) return { value: res.count, summary: `${res.count} document${res.count === 1 ? "" : "s"} match`, rows: [] };
  if (spec.measure === "rows" || !res.truncated) {
    return { value: res.count, summary: `${res.count} row${res.count === 1 ? "" : "s"}${res.truncated ? " (more not fetched)" : ""}`, rows };
  }
  if (q.method === "find" || q.method === "findOne") {
    const n = await countMatched(db, q, opts.maxTimeMS, signal);
    return { value: n, summary: `${n} documents match (first ${rows.length} shown)`, rows };
  }
  return { value: res.count, summary: `at least ${res.count} rows (row cap reached)`, rows };
}

export function queryProbe(name: string, spec: QuerySpec, db: Db, opts: ReadOptions): ProbeDefinition {
  return probe({
    id: name,
    title: spec.title ?? name,
    description: spec.description ?? `MongoDB (${spec.measure}, read-only): ${spec.query.replace(/\s+/g, " ").slice(0, 200)}`,
    unit: spec.unit ?? (spec.measure === "value" ? undefined : "documents"),
    every: spec.every ?? "1m",
    timeout: `${opts.maxTimeMS + 2000}ms`,
    thresholds: spec.thresholds,
    read: (ctx) => readQuery(db, spec, opts, ctx.signal),
  });
}
