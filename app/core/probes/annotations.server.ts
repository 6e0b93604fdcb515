import { sql } from "kysely";
import { deploysRef } from "../../../plugins/deploys/api";
import type { ChartAnnotation } from "~/lib/widgets";
import type { Portal } from "../portal.server";
import { getPortal } from "../portal.server";
import { scrubText } from "../secrets/index.server";

const LIMIT = 60;

/**
 * What happened around a probe's chart, from what the portal already stores: production deploys
 * (the deploys service), finished runs of the probe's plugin's actions (the audit chain) and
 * alerts that name the plugin (the inbox). A source that cannot be read is named in `errors`
 * rather than failing the chart.
 */
export async function probeAnnotations(probeId: string, window: { from: number; to: number }, portal: Portal = getPortal()): Promise<{ annotations: ChartAnnotation[]; errors: string[] }> {
  const plugin = probeId.split(".")[0] ?? "";
  const secrets = portal.config.secretValues ?? [];
  const scrub = (t: string) => (secrets.length ? scrubText(t, secrets) : t);
  const errors: string[] = [];

  const actions = portal.store.db
    .selectFrom("audit_entries")
    .select(["at", "actor", "action", "target", "outcome", "run_id"])
    .where("at", ">=", window.from)
    .where("at", "<=", window.to)
    .where("action", "like", `${plugin}.%`)
    .where("outcome", "in", ["succeeded", "failed"])
    .orderBy("at", "desc")
    .limit(LIMIT)
    .execute();
  const alerts = portal.store.db
    .selectFrom("alerts")
    .select(["starts_at", "resolved_at", "name", "severity", "summary"])
    .where("starts_at", "<=", window.to)
    .where((eb) => eb.or([eb("resolved_at", "is", null), eb("resolved_at", ">=", window.from)]))
    .where((eb) => eb.or([eb("plugins", "like", `%"${plugin}"%`), eb(sql`labels`, "like", `%${probeId}%`)]))
    .orderBy("starts_at", "desc")
    .limit(LIMIT)
    .execute();
  const service = portal.registry.services.get(deploysRef);
  const deploys = service
    ? service.inWindow({ from: new Date(window.from), to: new Date(window.to + 1) }, AbortSignal.timeout(4000)).catch((err: unknown) => {
        errors.push(scrub(`deploys could not be read: ${err instanceof Error ? err.message : String(err)}`));
        return [];
      })
    : Promise.resolve([]);

  const [actionRows, alertRows, deployRows] = await Promise.all([actions, alerts, deploys]);
  const annotations: ChartAnnotation[] = [
    ...deployRows
      .filter((d) => d.production && d.createdAt >= window.from && d.createdAt <= window.to)
      .map((d) => ({
        kind: "deploy" as const,
        at: d.createdAt,
        label: scrub(`${d.site} ${d.id} (${d.providerState})${d.commit ? ` commit ${d.commit.slice(0, 7)}` : ""}${d.author ? ` by ${d.author}` : ""}`),
      })),
    ...actionRows.map((a) => ({
      kind: "action" as const,
      at: Number(a.at),
      label: scrub(`${a.action} on ${a.target} ${a.outcome} (${a.actor})`),
      href: a.run_id ? `/runs/${a.run_id}` : undefined,
    })),
    ...alertRows.map((a) => ({
      kind: "alert" as const,
      at: Number(a.starts_at),
      until: a.resolved_at === null ? undefined : Number(a.resolved_at),
      label: scrub(`${a.name}${a.severity ? ` (${a.severity})` : ""}${a.resolved_at === null ? " firing" : " resolved"}: ${a.summary}`.slice(0, 300)),
    })),
  ];
  annotations.sort((a, b) => a.at - b.at);
  return { annotations: annotations.slice(-LIMIT), errors };
}
