import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { parseDuration } from "../../plugins/plugin-api";
import { requireUser } from "~/core/auth.server";
import { rangeFromQuery, unknownProbe } from "~/core/probes/api.server";
import { promqlChart } from "~/core/probes/promql-chart.server";
import { probeEngine } from "~/core/probes/service.server";
import { getPortal } from "~/core/portal.server";

const MAX_POINTS = 360;

/**
 * `GET /api/probes/:probeId/history?range=24h`: stored samples for charts, at most 360 points;
 * for a PromQL probe, Prometheus' own range with a step fitted to `width`.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const id = params.probeId ?? "";
  const engine = probeEngine();
  if (!engine.has(id)) return unknownProbe(id);
  const portal = getPortal();
  const rangeMs = rangeFromQuery(new URL(request.url).searchParams, parseDuration(portal.config.probes.retention));
  const to = engine.now();
  const from = to - rangeMs;
  const promql = await promqlChart(request, id, rangeMs, to);
  if (promql) return promql;
  const rows = await portal.store.db
    .selectFrom("probe_samples")
    .select(["at", "value", "status"])
    .where("probe_id", "=", id)
    .where("at", ">=", from)
    .orderBy("at", "asc")
    .execute();
  // Even thinning keeps the shape of long ranges without shipping every sample.
  const step = Math.max(1, Math.ceil(rows.length / MAX_POINTS));
  const samples = rows
    .filter((_, i) => i % step === 0 || i === rows.length - 1)
    .map((r) => ({ at: Number(r.at), value: r.value === null ? null : Number(r.value), status: r.status }));
  const probe = engine.probe(id);
  return json(
    { id, title: probe.def.title, unit: probe.def.unit, from, to, thresholds: engine.settingsOf(id).thresholds, samples },
    { headers: { "Cache-Control": "no-store" } },
  );
}
