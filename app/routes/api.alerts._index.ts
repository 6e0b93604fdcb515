import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { listAlerts } from "~/core/alerts/inbox.server";
import { requireUser } from "~/core/auth.server";
import { handle, InputError, queryParam } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

/** `GET /api/alerts?status=firing|resolved|all&incident=<id>` (default firing). */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const url = new URL(request.url);
  return handle(async () => {
    const status = queryParam(url, "status") ?? "firing";
    if (!["firing", "resolved", "all"].includes(status)) throw new InputError({ status: ["must be firing, resolved or all"] });
    const incidentId = queryParam(url, "incident", 64);
    const alerts = await listAlerts(getPortal(), { status: status as "firing" | "resolved" | "all", incidentId });
    return json(alerts, { headers: { "Cache-Control": "no-store" } });
  });
}
