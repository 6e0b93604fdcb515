import { probe, type ProbeDefinition, type ProbeReading } from "../../plugin-api";
import type { SqlService } from "../../supabase/api";
import type { AppTables } from "../config";

const qi = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function withSql(sql: SqlService | undefined, signal: AbortSignal, run: (sql: SqlService) => Promise<ProbeReading>): Promise<ProbeReading> {
  if (!sql) return { value: null, status: "unknown", summary: "The app's tables are read through the supabase plugin's sql service, which is not configured" };
  try {
    return await run(sql);
  } catch (err) {
    if (signal.aborted) throw err;
    return { value: null, status: "unknown", summary: `The app's database answered: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The app's record of what its Paddle webhook handler did: processing errors not yet put right
 * (no later `ok` for the same dedupe key), deliveries recognised as duplicates, and refused signatures.
 */
export function appTableProbes(sqlService: SqlService | undefined, t: AppTables): ProbeDefinition[] {
  const ev = qi(t.webhookEvents);
  const audit = qi(t.auditLog);
  return [
    probe({
      id: "processing-errors",
      title: "Paddle webhooks the app failed to process",
      description: `Paddle events in ${t.webhookEvents} whose processing failed in the last ${t.window} and that no later delivery processed.`,
      unit: "events",
      thresholds: { warn: "> 0", critical: "> 5" },
      read: ({ signal }) =>
        withSql(sqlService, signal, async (sql) => {
          const r = await sql.query(
            `select e.event_id, e.event_type, count(*) as attempts, max(e.received_at) as last_error_at, (array_agg(e.error order by e.received_at desc))[1] as error
from ${ev} e
where e.provider = $1 and e.processing_result = 'error' and e.received_at > now() - $2::interval
  and not exists (select 1 from ${ev} ok where ok.dedupe_key = e.dedupe_key and ok.processing_result in ('ok', 'duplicate') and ok.received_at > e.received_at)
group by e.event_id, e.event_type order by last_error_at desc`,
            [t.provider, t.window],
            { signal },
          );
          const n = r.rowCount;
          return {
            value: n,
            summary: n ? `${n} Paddle event${n === 1 ? "" : "s"} failed in the app and not processed since: ${r.rows.map((x) => `${x.event_type} (${x.error})`).slice(0, 2).join("; ")}` : `No unresolved processing error in the last ${t.window}`,
            rows: r.rows,
          };
        }),
    }),
    probe({
      id: "duplicate-deliveries",
      title: "Paddle webhooks delivered more than once",
      description: `Deliveries the app recognised as duplicates, and events applied more than once, in the last ${t.window}.`,
      unit: "deliveries",
      async read({ signal }) {
        return withSql(sqlService, signal, async (sql) => {
          const r = await sql.query(
            `select dedupe_key, event_type, count(*) filter (where processing_result = 'duplicate') as recognised, count(*) filter (where processing_result = 'ok') as applied
from ${ev} where provider = $1 and received_at > now() - $2::interval
group by dedupe_key, event_type having count(*) > 1 order by dedupe_key`,
            [t.provider, t.window],
            { signal },
          );
          const recognised = r.rows.reduce((s, x) => s + Number(x.recognised), 0);
          const twice = r.rows.filter((x) => Number(x.applied) > 1);
          return {
            value: recognised,
            status: twice.length ? "critical" : "ok",
            summary: twice.length
              ? `${twice.length} event${twice.length === 1 ? " was" : "s were"} applied more than once (idempotency failed): ${twice.map((x) => x.dedupe_key).join(", ")}`
              : recognised
                ? `${recognised} repeated deliver${recognised === 1 ? "y" : "ies"} recognised as duplicate (idempotency held)`
                : `No repeated delivery in the last ${t.window}`,
            rows: r.rows,
          };
        });
      },
    }),
    probe({
      id: "invalid-signatures",
      title: "Paddle webhooks refused for their signature",
      description: `webhook.invalid_signature entries in ${t.auditLog} in the last ${t.window}: the app's secret differs from the destination's.`,
      unit: "deliveries",
      thresholds: { warn: "> 0", critical: "> 10" },
      read: ({ signal }) =>
        withSql(sqlService, signal, async (sql) => {
          const r = await sql.query(
            `select subject, count(*) as refused, max(at) as last_at from ${audit}
where action = 'webhook.invalid_signature' and at > now() - $1::interval group by subject order by last_at desc`,
            [t.window],
            { signal },
          );
          const n = r.rows.reduce((s, x) => s + Number(x.refused), 0);
          return {
            value: n,
            summary: n ? `${n} deliver${n === 1 ? "y" : "ies"} refused for an invalid signature in the last ${t.window}` : `No delivery refused for its signature in the last ${t.window}`,
            rows: r.rows,
          };
        }),
    }),
  ];
}
