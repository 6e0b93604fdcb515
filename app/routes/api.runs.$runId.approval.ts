import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { decideRun } from "~/core/actions/decide.server";
import { getUser, requestAddress } from "~/core/auth.server";
import { answerRun, errorResponse, handle, MethodNotAllowedError, parseWith, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

const DecisionSchema = z.object({ decision: z.enum(["approve", "deny"]), note: z.string().max(1000).optional(), confirm: z.string().max(500).optional() });

export async function loader() {
  return errorResponse(new MethodNotAllowedError("POST"));
}

/** POST `{ decision: "approve" | "deny", note?, confirm? }`: an admin decides a critical approval or a responder's request. */
export async function action({ request, params }: ActionFunctionArgs) {
  return handle(async () => {
    const user = await getUser(request);
    const address = requestAddress(request);
    // Refused (and audited, rate-limited per address) by the service, before the body is read.
    if (!user) return answerRun(await decideRun(getPortal(), null, params.runId ?? "", { decision: "approve", address }));
    const { decision, note, confirm } = parseWith(DecisionSchema, await readBody(request, { accept: "json" }));
    return answerRun(await decideRun(getPortal(), user, params.runId ?? "", { decision, note, confirm, address }));
  });
}
