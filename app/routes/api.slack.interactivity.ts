import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requestAddress } from "~/core/auth.server";
import { handle, MethodNotAllowedError, PayloadTooLargeError } from "~/core/http/index.server";
import { handleSlackInteraction } from "~/core/notifications/slack-interactivity.server";
import { getPortal } from "~/core/portal.server";

export async function loader(_args: LoaderFunctionArgs) {
  return handle(async () => {
    throw new MethodNotAllowedError("POST");
  });
}

/** `POST /api/slack/interactivity`: Slack's signed callbacks (Approve / Decline, the confirmation modal). */
export async function action({ request }: ActionFunctionArgs) {
  return handle(async () => {
    if (request.method !== "POST") throw new MethodNotAllowedError("POST");
    const body = await request.text();
    if (body.length > 64_000) throw new PayloadTooLargeError(64_000);
    const answer = await handleSlackInteraction(getPortal(), {
      body,
      signature: request.headers.get("x-slack-signature"),
      timestamp: request.headers.get("x-slack-request-timestamp"),
      address: requestAddress(request),
    });
    return json(answer.body, { status: answer.status });
  });
}
