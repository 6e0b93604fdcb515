// A table reachable through the REST API with the service key: one HEAD count, no retries.
import { probe, type ProbeDefinition } from "../../plugin-api";
import { describeFailure, type SupabaseClient } from "../client.server";

export function restReachable(table: string, supabase: SupabaseClient): ProbeDefinition {
  return probe({
    id: `rest-${table.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`,
    title: `REST API: ${table}`,
    description: `HEAD /rest/v1/${table} with the service-role key (Prefer: count=exact); the figure is the row count.`,
    unit: "rows",
    every: "1m",
    timeout: "10s",
    async read({ signal }) {
      const started = performance.now();
      const { count, error, status } = await supabase.from(table).select("*", { count: "exact", head: true }).retry(false).abortSignal(signal);
      const ms = Math.round(performance.now() - started);
      if (error) throw describeFailure(`REST ${table}`, error, status);
      if (count === null || count === undefined) throw describeFailure(`REST ${table}`, { message: "no count in the answer (content-range missing)" }, status);
      return { value: count, summary: `${table} reachable through REST: ${count} rows (${ms} ms)`, rows: [{ table, status, rows: count, ms }] };
    },
  });
}
