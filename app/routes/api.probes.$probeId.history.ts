import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { parseDuration } from "../../plugins/plugin-api";
import { requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";
import { rangeFromQuery, unknownProbe } from "~/core/probes/api.server";
import { probeEngine, probeHistory } from "~/core/probes/service.server";

/** `GET /api/probes/:probeId/history?range=24h`: stored samples for charts, at most 360 points. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const id = params.probeId ?? "";
  if (!probeEngine().has(id)) return unknownProbe(id);
  const rangeMs = rangeFromQuery(new URL(request.url).searchParams, parseDuration(getPortal().config.probes.retention));
  return json(await probeHistory(id, rangeMs), { headers: { "Cache-Control": "no-store" } });
}
