// A runbook's ```sql block, run as a person: one statement in the read-only transaction of the
// `sql` service. A statement that would write is refused by PostgreSQL itself and says so.
import { z } from "zod";
import { action, ActionInputError, type SqlService } from "../../plugin-api";

export const QueryInput = z.object({
  sql: z.string().trim().min(1, "the statement is empty").max(20_000, "at most 20000 characters").describe("One read-only SQL statement"),
});
export type QueryInput = z.infer<typeof QueryInput>;

/** SQLSTATE 25006: read_only_sql_transaction (the statement tried to write). */
const READ_ONLY_VIOLATION = "25006";

export function queryAction(sql: SqlService) {
  return action<QueryInput>({
    id: "query",
    title: "Run a read-only SQL statement",
    description: "Runs one statement from a runbook inside BEGIN READ ONLY … ROLLBACK, with the statement timeout and row cap of the sql service. Writes are refused by the database.",
    input: QueryInput,
    risk: "low",
    // Each distinct statement is its own target: two people can read at once.
    target: (input) => `sql:${input.sql.replace(/\s+/g, " ").slice(0, 120)}`,
    timeout: "60s",
    cancellable: true,
    async run(input, ctx) {
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
