import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { handle } from "~/core/http/errors.server";
import { thresholdsFromQuery } from "~/core/probes/api.server";
import { probeEngine } from "~/core/probes/service.server";

/**
 * `GET /api/probes/:probeId`: the reading as JSON `{ id, status, value, summary, observedAt, … }`.
 * Served from the cache (stale while a refresh runs); waits only for a probe's very first read.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const id = params.probeId ?? "";
  const engine = probeEngine();
  if (!engine.has(id)) return json({ error: `unknown probe "${id}"` }, { status: 404 });
  return handle(async () => {
    const thresholds = thresholdsFromQuery(new URL(request.url).searchParams);
    const reading = await engine.reading(id, { thresholds });
    return json(reading, { headers: { "Cache-Control": "no-store" } });
  });
}
