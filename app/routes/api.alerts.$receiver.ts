import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { receiveAlerts } from "~/core/alerts/service.server";
import { handle, MethodNotAllowedError } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

/** Receivers are called by Alertmanager, Grafana, Sentry and webhooks: their own credentials, no session. */
export async function loader(_args: LoaderFunctionArgs) {
  return handle(async () => {
    throw new MethodNotAllowedError("POST");
  });
}

/** `POST /api/alerts/<receiver>` → `{ received, fired, resolved, deduplicated, silenced, incidents }` */
export async function action({ request, params }: ActionFunctionArgs) {
  return handle(async () => {
    if (request.method !== "POST") throw new MethodNotAllowedError("POST");
    const answer = await receiveAlerts(getPortal(), params.receiver ?? "", request);
    return json(answer, { headers: { "Cache-Control": "no-store" } });
  });
}
