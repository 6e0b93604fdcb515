import type { ActionFunctionArgs } from "@remix-run/node";
import { cancelRun } from "~/core/actions/pipeline.server";
import { respond } from "~/core/actions/runs.server";
import { getUser } from "~/core/auth.server";
import { errorResponse, handle, MethodNotAllowedError, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

export async function loader() {
  return errorResponse(new MethodNotAllowedError("POST"));
}

/** POST (empty or `{}` JSON body) → cancels a running run (if the action supports it) or withdraws a request awaiting approval. */
export async function action({ request, params }: ActionFunctionArgs) {
  return handle(async () => {
    await readBody(request, { accept: "json" });
    return respond(await cancelRun(getPortal(), await getUser(request), params.runId ?? ""));
  });
}
