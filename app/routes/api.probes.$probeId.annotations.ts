import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { parseDuration } from "../../plugins/plugin-api";
import { requireUser } from "~/core/auth.server";
import { handle } from "~/core/http/errors.server";
import { getPortal } from "~/core/portal.server";
import { probeAnnotations } from "~/core/probes/annotations.server";
import { endFromQuery, rangeFromQuery } from "~/core/probes/api.server";
import { probeEngine } from "~/core/probes/service.server";

/** `GET /api/probes/:probeId/annotations?range=24h[&end=<ms>]`: deploys, action runs and alerts to mark on the probe's chart. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const id = params.probeId ?? "";
  if (!probeEngine().has(id)) return json({ error: `unknown probe "${id}"` }, { status: 404 });
  return handle(async () => {
    const query = new URL(request.url).searchParams;
    const rangeMs = rangeFromQuery(query, parseDuration(getPortal().config.probes.retention));
    const to = endFromQuery(query, probeEngine().now());
    return json(await probeAnnotations(id, { from: to - rangeMs, to }), { headers: { "Cache-Control": "no-store" } });
  });
}
