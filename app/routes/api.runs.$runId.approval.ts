import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { decideApproval } from "~/core/actions/pipeline.server";
import { respond } from "~/core/actions/runs.server";
import { getUser, requestAddress } from "~/core/auth.server";
import { errorResponse, handle, MethodNotAllowedError, parseWith, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

const DecisionSchema = z.object({ decision: z.enum(["approve", "deny"]), note: z.string().max(1000).optional() });

export async function loader() {
  return errorResponse(new MethodNotAllowedError("POST"));
}

/** POST `{ decision: "approve" | "deny", note? }`: a second admin decides a critical request. */
export async function action({ request, params }: ActionFunctionArgs) {
  return handle(async () => {
    const user = await getUser(request);
    const options = { address: requestAddress(request) };
    // Refused (and audited, rate-limited per address) in the pipeline, before the body is read.
    if (!user) return respond(await decideApproval(getPortal(), null, params.runId ?? "", "approve", undefined, options));
    const { decision, note } = parseWith(DecisionSchema, await readBody(request, { accept: "json" }));
    return respond(await decideApproval(getPortal(), user, params.runId ?? "", decision, note, options));
  });
}
