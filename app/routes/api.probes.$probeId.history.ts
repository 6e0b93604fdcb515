import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { parseDuration } from "../../plugins/plugin-api";
import { requireUser } from "~/core/auth.server";
import { handle } from "~/core/http/errors.server";
import { promqlChart } from "~/core/probes/promql-chart.server";
import { getPortal } from "~/core/portal.server";
import { endFromQuery, rangeFromQuery } from "~/core/probes/api.server";
import { probeEngine, probeHistory } from "~/core/probes/service.server";

/**
 * `GET /api/probes/:probeId/history?range=24h[&end=<ms>]`: stored samples for charts, at most 360
 * points; for a PromQL probe, Prometheus' own range with a step fitted to `width`. `end` moves the
 * window back in time (a zoomed chart).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const id = params.probeId ?? "";
  if (!probeEngine().has(id)) return json({ error: `unknown probe "${id}"` }, { status: 404 });
  return handle(async () => {
    const params = new URL(request.url).searchParams;
    const rangeMs = rangeFromQuery(params, parseDuration(getPortal().config.probes.retention));
    const end = endFromQuery(params, probeEngine().now());
    const history = (await promqlChart(request, id, rangeMs, end)) ?? (await probeHistory(id, rangeMs, undefined, undefined, end));
    return json(history, { headers: { "Cache-Control": "no-store" } });
  });
}
