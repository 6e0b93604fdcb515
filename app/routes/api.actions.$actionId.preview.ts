import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { previewAction } from "~/core/actions/pipeline.server";
import { readJsonBody, respond } from "~/core/actions/runs.server";
import { getUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

export async function loader() {
  return json({ error: "use POST with { input }" }, { status: 405, headers: { Allow: "POST" } });
}

/** POST `{ input }` → the dry run: target, risk and what would change (no side effects, not audited). */
export async function action({ request, params }: ActionFunctionArgs) {
  const body = await readJsonBody(request);
  if (!body.ok) return json({ error: body.error }, { status: body.status });
  return respond(await previewAction(getPortal(), await getUser(request), params.actionId ?? "", body.value));
}
