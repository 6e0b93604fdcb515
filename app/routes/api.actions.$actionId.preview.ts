import type { ActionFunctionArgs } from "@remix-run/node";
import { previewAction } from "~/core/actions/pipeline.server";
import { getUser } from "~/core/auth.server";
import { answerData, errorResponse, handle, MethodNotAllowedError, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

export async function loader() {
  return errorResponse(new MethodNotAllowedError("POST"));
}

/** POST `{ input }` → the dry run: target, risk and what would change (no side effects, not audited). */
export async function action({ request, params }: ActionFunctionArgs) {
  return handle(async () => {
    const body = await readBody(request, { accept: "json" });
    return answerData(await previewAction(getPortal(), await getUser(request), params.actionId ?? "", body));
  });
}
