import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireRole } from "~/core/auth.server";
import { handle, InputError, queryParam } from "~/core/http/index.server";
import { listDeliveries } from "~/core/notifications/outbox.server";
import { getPortal } from "~/core/portal.server";

/** `GET /api/notifications/deliveries?status=&channel=&limit=` (admins) → newest first. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const url = new URL(request.url);
  return handle(async () => {
    const status = queryParam(url, "status");
    if (status && !["queued", "sent", "retrying", "failed"].includes(status)) throw new InputError({ status: ["must be queued, sent, retrying or failed"] });
    const limit = Number(queryParam(url, "limit") ?? 200);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InputError({ limit: ["must be a whole number from 1 to 1000"] });
    const deliveries = await listDeliveries(getPortal().store, { status, channel: queryParam(url, "channel", 100), limit });
    return json(deliveries, { headers: { "Cache-Control": "no-store" } });
  });
}
