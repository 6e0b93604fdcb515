import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { z } from "zod";
import { decideApproval } from "~/core/actions/pipeline.server";
import { decideRequest } from "~/core/actions/requests.server";
import { readJsonBody, respond } from "~/core/actions/runs.server";
import { getUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

const DecisionSchema = z.object({ decision: z.enum(["approve", "deny"]), note: z.string().max(1000).optional(), confirm: z.string().max(500).optional() });

export async function loader() {
  return json({ error: "use POST" }, { status: 405, headers: { Allow: "POST" } });
}

/** POST `{ decision: "approve" | "deny", note?, confirm? }`: an admin decides a critical approval or a responder's request. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await getUser(request);
  if (!user) return json({ error: "authentication required" }, { status: 401 });
  const body = await readJsonBody(request);
  if (!body.ok) return json({ error: body.error }, { status: body.status });
  const parsed = DecisionSchema.safeParse(body.value);
  if (!parsed.success) return json({ error: "the request is not valid", fieldErrors: z.flattenError(parsed.error).fieldErrors }, { status: 400 });
  const portal = getPortal();
  const runId = params.runId ?? "";
  // A responder's request ("ask an admin"): the admin runs it as their own run, or declines it.
  const run = runId.length <= 64 ? await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", runId).executeTakeFirst() : undefined;
  if (run?.status === "requested") return respond(await decideRequest(portal, user, runId, parsed.data.decision, { confirm: parsed.data.confirm, note: parsed.data.note }));
  return respond(await decideApproval(portal, user, runId, parsed.data.decision, parsed.data.note));
}
