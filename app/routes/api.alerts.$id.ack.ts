import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { acknowledgeAlert } from "~/core/alerts/inbox.server";
import { requireUser } from "~/core/auth.server";
import { handle, MethodNotAllowedError } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

export async function loader(_args: LoaderFunctionArgs) {
  return handle(async () => {
    throw new MethodNotAllowedError("POST");
  });
}

/** `POST /api/alerts/:id/ack` (responders and up) → the alert, acknowledged. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  return handle(async () => {
    if (request.method !== "POST") throw new MethodNotAllowedError("POST");
    return json(await acknowledgeAlert(getPortal(), user, params.id ?? ""));
  });
}
