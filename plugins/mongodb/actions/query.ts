// A runbook's mongosh query, run as a person: parsed (never evaluated), read through the driver
// with maxTimeMS and the row cap. The press is audited with the query text (it is the input).
import type { Db } from "mongodb";
import { z } from "zod";
import { action, ActionInputError } from "../../plugin-api";
import { MongoQueryError, parseMongoQuery } from "../query-parse";
import { runQuery } from "../run-query";

export const QueryInput = z.object({
  query: z.string().trim().min(1, "the query is empty").max(20_000, "at most 20000 characters").describe("One read-only mongosh query, e.g. db.orders.countDocuments({ status: \"paid\" })"),
});
export type QueryInput = z.infer<typeof QueryInput>;

/** Server codes that mean the query itself is wrong (BadValue, FailedToParse, TypeMismatch, Location*, InvalidPipelineOperator…). */
const QUERY_FAULT = new Set([2, 9, 14, 15, 16, 17, 28, 40, 168, 4_031_700]);

export function parseOrRefuse(text: string, now = new Date()) {
  try {
    return parseMongoQuery(text, now);
  } catch (err) {
    if (err instanceof MongoQueryError) throw new ActionInputError(`refused: ${err.message}`, { query: [`${err.construct}: ${err.message}`] });
    throw err;
  }
}

export function queryAction(db: Db, opts: { maxRows: number; maxTimeMS: number; database: string }) {
  return action<QueryInput>({
    id: "query",
    title: "Run a read-only MongoDB query",
    description: "Reads with one mongosh query from a runbook (countDocuments, find, aggregate, distinct, estimatedDocumentCount), parsed and never evaluated; maxTimeMS and the row cap apply. Write methods, $where, $function, $accumulator, $out and $merge are refused.",
    input: QueryInput,
    risk: "low",
    target: (input) => `mongo:${input.query.replace(/\s+/g, " ").slice(0, 120)}`,
    timeout: "60s",
    cancellable: true,
    async preview(input) {
      const q = parseOrRefuse(input.query);
      return { summary: `read-only ${q.method} on ${opts.database}.${q.collection}` };
    },
    async run(input, ctx) {
      const q = parseOrRefuse(input.query);
      const readAt = new Date();
      let res;
      try {
        res = await runQuery(db, q, { maxRows: opts.maxRows, maxTimeMS: opts.maxTimeMS, signal: ctx.signal });
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (typeof code === "number" && (QUERY_FAULT.has(code) || (code >= 15_000 && code < 6_000_000 && code !== 50))) throw new ActionInputError(`MongoDB refused the query: ${(err as Error).message}`, { query: [(err as Error).message] });
        throw err;
      }
      ctx.log(`${q.method} on ${q.collection}: ${res.count} in ${Math.round(res.durationMs)} ms`);
      const fields = [...new Set(res.rows.flatMap((r) => Object.keys(r)))].slice(0, 50);
      const counted = q.method === "countDocuments" || q.method === "estimatedDocumentCount";
      return {
        summary: `${counted ? `${res.count} document(s) match` : `${res.rows.length} row(s)${res.truncated ? " (truncated at the cap)" : ""}`} for: ${input.query.replace(/\s+/g, " ").slice(0, 300)}`,
        rows: res.rows,
        data: { kind: "mongo", method: q.method, collection: q.collection, fields, count: res.count, rowCount: res.rows.length, truncated: res.truncated, durationMs: Math.round(res.durationMs), readAt: readAt.toISOString(), maxTimeMS: opts.maxTimeMS },
      };
    },
  });
}
