import type { ActionFunctionArgs } from "@remix-run/node";
import { cancelOrWithdraw } from "~/core/actions/ask-admin.server";
import { getUser } from "~/core/auth.server";
import { answerRun, errorResponse, handle, MethodNotAllowedError, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

export async function loader() {
  return errorResponse(new MethodNotAllowedError("POST"));
}

/** POST (empty or `{}` JSON body) → cancels a running run (if the action supports it) or withdraws a request (the requester's own, or one awaiting a second admin). */
export async function action({ request, params }: ActionFunctionArgs) {
  return handle(async () => {
    await readBody(request, { accept: "json" });
    return answerRun(await cancelOrWithdraw(getPortal(), await getUser(request), params.runId ?? ""));
  });
}
