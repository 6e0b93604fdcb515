import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { probeSnapshot } from "~/core/probes/service.server";

/** `GET /api/probes`: every enabled probe with its current status, without waiting on any source. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const probes = await probeSnapshot();
  return json(
    probes.map((p) => ({ id: p.id, title: p.title, status: p.status, pluginId: p.pluginId, unit: p.unit, value: p.value, summary: p.summary, observedAt: p.observedAt })),
    { headers: { "Cache-Control": "no-store" } },
  );
}
