import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { reviewBreakGlass } from "~/core/actions/pipeline.server";
import { getUser, requestAddress } from "~/core/auth.server";
import { answerRun, errorResponse, handle, MethodNotAllowedError, parseWith, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

const ReviewSchema = z.object({ note: z.string().max(1000).optional() });

export async function loader() {
  return errorResponse(new MethodNotAllowedError("POST"));
}

/** POST `{ note? }`: a second admin marks a break-glass run as reviewed. */
export async function action({ request, params }: ActionFunctionArgs) {
  return handle(async () => {
    const user = await getUser(request);
    const options = { address: requestAddress(request) };
    if (!user) return answerRun(await reviewBreakGlass(getPortal(), null, params.runId ?? "", undefined, options));
    const { note } = parseWith(ReviewSchema, await readBody(request, { accept: "json" }));
    return answerRun(await reviewBreakGlass(getPortal(), user, params.runId ?? "", note, options));
  });
}
