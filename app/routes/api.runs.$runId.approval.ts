import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { z } from "zod";
import { decideApproval } from "~/core/actions/pipeline.server";
import { readJsonBody, respond } from "~/core/actions/runs.server";
import { getUser, requestAddress } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

const DecisionSchema = z.object({ decision: z.enum(["approve", "deny"]), note: z.string().max(1000).optional() });

export async function loader() {
  return json({ error: "use POST" }, { status: 405, headers: { Allow: "POST" } });
}

/** POST `{ decision: "approve" | "deny", note? }`: a second admin decides a critical request. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await getUser(request);
  // Refused (and audited, rate-limited per address) in the pipeline, before the body is read.
  if (!user) return respond(await decideApproval(getPortal(), null, params.runId ?? "", "approve", undefined, { address: requestAddress(request) }));
  const body = await readJsonBody(request);
  if (!body.ok) return json({ error: body.error }, { status: body.status });
  const parsed = DecisionSchema.safeParse(body.value);
  if (!parsed.success) return json({ error: "the request is not valid", fieldErrors: z.flattenError(parsed.error).fieldErrors }, { status: 400 });
  return respond(await decideApproval(getPortal(), user, params.runId ?? "", parsed.data.decision, parsed.data.note, { address: requestAddress(request) }));
}
