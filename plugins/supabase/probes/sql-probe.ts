// A probe declared as SQL: one statement in a read-only transaction, measured as a row count,
// a single value, or the rows themselves.
import { parseDuration, probe, type ProbeDefinition, type ProbeReading, type Thresholds } from "../../plugin-api";
import { bareStatement, plainRow } from "../ident";
import type { SqlRunner } from "../sql";

/** Rows kept on a reading for ::table widgets. */
export const SHOWN_ROWS = 50;

export interface SqlProbeSpec {
  title?: string;
  description?: string;
  sql: string;
  params?: unknown[];
  measure: "count" | "value" | "rows";
  unit?: string;
  thresholds?: Thresholds;
  every?: string;
  statementTimeout?: string;
  maxRows?: number;
  /** Words for the summary: "3 paid orders unconfirmed"; `nounOne` for exactly one. */
  noun?: string;
  nounOne?: string;
}

/** Reads one SQL spec; exported for the bench (probe time vs the bare statement). */
export async function readSql(runner: SqlRunner, spec: SqlProbeSpec, signal: AbortSignal): Promise<ProbeReading> {
  const timeoutMs = spec.statementTimeout ? parseDuration(spec.statementTimeout) : undefined;
  return runner.readOnly(
    async (q) => {
      const res = await q(spec.sql, spec.params ?? [], spec.maxRows);
      const rows = res.rows.slice(0, SHOWN_ROWS).map(plainRow);
      const nounFor = (n: number) => (n === 1 ? (spec.nounOne ?? (spec.noun ? spec.noun : "row")) : (spec.noun ?? "rows"));
      const noun = nounFor(res.rowCount);
      if (spec.measure === "value") {
        const first = res.rows[0];
        const raw = first ? first[res.fields[0]!] : null;
        const value = raw === null || raw === undefined ? null : Number(raw);
        if (value !== null && !Number.isFinite(value)) throw new Error(`the first column ("${res.fields[0]}") is not a number: ${JSON.stringify(raw)}`);
        return { value, summary: value === null ? "the query returned no value" : `${res.fields[0]} = ${value}`, rows };
      }
      if (spec.measure === "rows" || !res.truncated) {
        const more = res.truncated ? ` (first ${res.rowCount}; more not fetched)` : "";
        return { value: res.rowCount, summary: `${res.rowCount} ${noun}${more}`, rows };
      }
      // More rows than the cap: count them on the server, in the same read-only transaction.
      try {
        const counted = await q(`select count(*) as n from (${bareStatement(spec.sql)}) as opsdeck_q`, spec.params ?? [], 1);
        const n = Number(counted.rows[0]?.n ?? res.rowCount);
        return { value: n, summary: `${n} ${nounFor(n)} (first ${rows.length} shown)`, rows };
      } catch {
        return { value: res.rowCount, summary: `at least ${res.rowCount} ${noun} (row cap reached)`, rows };
      }
    },
    { signal, statementTimeoutMs: timeoutMs },
  );
}

export function sqlProbe(id: string, spec: SqlProbeSpec, runner: SqlRunner): ProbeDefinition {
  const stmtMs = spec.statementTimeout ? parseDuration(spec.statementTimeout) : runner.opts.statementTimeoutMs;
  return probe({
    id,
    title: spec.title ?? id,
    description: spec.description ?? `SQL (${spec.measure}, read-only): ${spec.sql.replace(/\s+/g, " ").slice(0, 200)}`,
    unit: spec.unit ?? (spec.measure === "value" ? undefined : "rows"),
    every: spec.every ?? "1m",
    // Longer than the statement timeout, so the database's own message is what the probe shows.
    timeout: `${stmtMs + 2000}ms`,
    thresholds: spec.thresholds,
    read: (ctx) => readSql(runner, spec, ctx.signal),
  });
}
