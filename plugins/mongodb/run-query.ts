// Runs a parsed query with the official driver: reads only, each with maxTimeMS and the row cap.
import { Binary, Decimal128, Long, ObjectId, Timestamp } from "bson";
import type { Db } from "mongodb";
import type { MongoQuery } from "./query-parse";

export interface QueryResult {
  /** Documents matched (count methods), or rows returned. */
  count: number;
  rows: Record<string, unknown>[];
  truncated: boolean;
  durationMs: number;
}

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|private[-_]?key|card[-_]?number|cvc|iban/i;
const MAX_CELL = 2000;

/** A driver value as JSON a page can show: ids and dates as strings, secrets by key redacted, long strings cut. */
export function plainValue(v: unknown, depth = 0): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof ObjectId) return v.toHexString();
  if (v instanceof Long) return v.toNumber();
  if (v instanceof Decimal128) return v.toString();
  if (v instanceof Timestamp) return `Timestamp(${v.t}, ${v.i})`;
  if (v instanceof Binary) return `<binary ${v.length()} bytes>`;
  if (v instanceof RegExp) return String(v);
  if (typeof v === "string") return v.length > MAX_CELL ? `${v.slice(0, MAX_CELL)}…` : v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v !== "object") return v;
  if (depth > 8) return "…";
  if (Array.isArray(v)) return v.slice(0, 100).map((x) => plainValue(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = SECRET_KEY.test(k) ? "[redacted]" : plainValue(x, depth + 1);
  return out;
}

export function plainRow(doc: unknown): Record<string, unknown> {
  const v = plainValue(doc);
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
}

function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason ?? new Error("aborted"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}

export async function runQuery(db: Db, q: MongoQuery, opts: { maxRows: number; maxTimeMS: number; signal?: AbortSignal }): Promise<QueryResult> {
  const started = performance.now();
  const coll = db.collection(q.collection);
  const maxTimeMS = opts.maxTimeMS;
  const cap = Math.min(opts.maxRows, q.limit ?? Infinity);
  const done = (count: number, rows: unknown[], truncated: boolean): QueryResult => ({ count, rows: rows.map(plainRow), truncated, durationMs: performance.now() - started });
  switch (q.method) {
    case "countDocuments": {
      const n = await abortable(coll.countDocuments(q.filter, { maxTimeMS, ...(q.limit ? { limit: q.limit } : {}), ...(q.skip ? { skip: q.skip } : {}) }), opts.signal);
      return done(n, [{ count: n }], false);
    }
    case "estimatedDocumentCount": {
      const n = await abortable(coll.estimatedDocumentCount({ maxTimeMS }), opts.signal);
      return done(n, [{ count: n }], false);
    }
    case "find":
    case "findOne": {
      const cursor = coll.find(q.filter, { maxTimeMS, limit: cap + 1, ...(q.sort ? { sort: q.sort as never } : {}), ...(q.projection ? { projection: q.projection } : {}), ...(q.skip ? { skip: q.skip } : {}) });
      try {
        const docs = await abortable(cursor.toArray(), opts.signal);
        return done(Math.min(docs.length, cap), docs.slice(0, cap), docs.length > cap);
      } finally {
        await cursor.close().catch(() => {});
      }
    }
    case "aggregate": {
      const cursor = coll.aggregate([...(q.pipeline ?? []), { $limit: opts.maxRows + 1 }], { maxTimeMS });
      try {
        const docs = await abortable(cursor.toArray(), opts.signal);
        return done(Math.min(docs.length, opts.maxRows), docs.slice(0, opts.maxRows), docs.length > opts.maxRows);
      } finally {
        await cursor.close().catch(() => {});
      }
    }
    case "distinct": {
      const values = await abortable(coll.distinct(q.key!, q.filter, { maxTimeMS }), opts.signal);
      return done(Math.min(values.length, opts.maxRows), values.slice(0, opts.maxRows).map((value) => ({ value })), values.length > opts.maxRows);
    }
  }
}

/** How many documents a find matches in all, for a count probe whose rows were capped. */
export async function countMatched(db: Db, q: MongoQuery, maxTimeMS: number, signal?: AbortSignal): Promise<number> {
  return abortable(db.collection(q.collection).countDocuments(q.filter, { maxTimeMS, ...(q.skip ? { skip: q.skip } : {}), ...(q.limit ? { limit: q.limit } : {}) }), signal);
}
