import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireRole } from "~/core/auth.server";
import { handle, MethodNotAllowedError } from "~/core/http/index.server";
import { acknowledge } from "~/core/notifications/admin.server";
import { getPortal } from "~/core/portal.server";

export async function loader(_args: LoaderFunctionArgs) {
  return handle(async () => {
    throw new MethodNotAllowedError("POST");
  });
}

/** `POST /api/escalations/:subject/ack` (responders and up): stops the escalation of a request or incident. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireRole(request, "responder");
  return handle(async () => {
    if (request.method !== "POST") throw new MethodNotAllowedError("POST");
    await acknowledge(getPortal(), user, params.subject ?? "");
    return json({ subject: params.subject, acknowledged: true });
  });
}
