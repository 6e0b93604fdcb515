// A runbook's ```sql block, run as a person: one statement checked by PostgreSQL's parser (the
// dry run refuses anything but a plain read, naming the construct, before the database sees it),
// then run as the read-only role in the read-only transaction of the `sql` service.
import { z } from "zod";
import { action, ActionInputError, UnavailableError } from "../../plugin-api";
import type { SqlRunner } from "../sql";
import { SqlRefused } from "../sql-guard";

export const QueryInput = z.object({
  sql: z.string().trim().min(1, "the statement is empty").max(20_000, "at most 20000 characters").describe("One read-only SQL statement"),
});
export type QueryInput = z.infer<typeof QueryInput>;

/** SQLSTATE 25006: read_only_sql_transaction (the statement tried to write). */
const READ_ONLY_VIOLATION = "25006";

/** The read role failed its inspection: the portal cannot serve this, whatever the input (503). */
class SqlWithheld extends UnavailableError {}

/** The statement check, as the dry run and the run both apply it. */
function checked(sql: SqlRunner, text: string) {
  if (sql.withheld) throw new SqlWithheld(sql.withheld);
  try {
    return sql.opts.guard.check(text);
  } catch (err) {
    if (err instanceof SqlRefused) throw new ActionInputError(err.message, { sql: [err.message] });
    throw err;
  }
}

export function queryAction(sql: SqlRunner) {
  return action<QueryInput>({
    id: "query",
    title: "Run a read-only SQL statement",
    description:
      "Runs one SELECT, VALUES, SHOW or EXPLAIN from a runbook as the read-only role, inside BEGIN READ ONLY … ROLLBACK, with the statement timeout and row cap of the sql service. Anything else, and functions off the allow-list, are refused before the database sees them.",
    input: QueryInput,
    risk: "low",
    // Each distinct statement is its own target: two people can read at once.
    target: (input) => `sql:${input.sql.replace(/\s+/g, " ").slice(0, 120)}`,
    timeout: "60s",
    cancellable: true,
    async preview(input) {
      const { kind } = checked(sql, input.sql);
      const role = sql.opts.readOnlyRole ?? "the read connection's own role";
      return { summary: `reads (${kind}) as ${role}, read-only, at most ${sql.opts.maxRows} rows within ${sql.opts.statementTimeoutMs} ms; nothing is changed` };
    },
    async run(input, ctx) {
      checked(sql, input.sql);
      const readAt = new Date();
      let res;
      try {
        res = await sql.query(input.sql, [], {
          signal: ctx.signal,
          actor: ctx.actor.username,
          audit: async (e) => {
            ctx.log(e.outcome === "succeeded" ? `read ${e.rowCount} row(s) in ${Math.round(e.durationMs)} ms` : `refused by the database: ${e.error}`);
          },
        });
      } catch (err) {
        const e = err as { message?: string; code?: string };
        if (err instanceof SqlRefused) throw new ActionInputError(err.message, { sql: [err.message] });
        if (e.code === READ_ONLY_VIOLATION) {
          throw new ActionInputError(`refused: this statement would write, and runbook SQL runs in a read-only transaction (${e.message})`, { sql: ["would write"] });
        }
        // Syntax errors, unknown tables or columns (SQLSTATE class 42) are the statement's fault.
        if (e.code?.startsWith("42") || e.code === "0A000") throw new ActionInputError(e.message ?? String(err), { sql: [e.message ?? "invalid"] });
        throw err;
      }
      const rows = res.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])));
      return {
        summary: `${res.rowCount} row(s)${res.truncated ? " (truncated at the cap)" : ""} for: ${input.sql.replace(/\s+/g, " ").slice(0, 300)}`,
        rows,
        data: { kind: "sql", fields: res.fields, rowCount: res.rowCount, truncated: res.truncated, durationMs: Math.round(res.durationMs), readAt: readAt.toISOString() },
      };
    },
  });
}
