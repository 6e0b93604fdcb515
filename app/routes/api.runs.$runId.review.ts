import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { reviewBreakGlass } from "~/core/actions/pipeline.server";
import { readJsonBody, respond } from "~/core/actions/runs.server";
import { getUser, requestAddress } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

export async function loader() {
  return json({ error: "use POST" }, { status: 405, headers: { Allow: "POST" } });
}

/** POST `{ note? }`: a second admin marks a break-glass run as reviewed. */
export async function action({ request, params }: ActionFunctionArgs) {
  const body = await readJsonBody(request);
  const note = body.ok && body.value && typeof body.value === "object" ? (body.value as { note?: unknown }).note : undefined;
  return respond(await reviewBreakGlass(getPortal(), await getUser(request), params.runId ?? "", typeof note === "string" ? note : undefined, { address: requestAddress(request) }));
}
