import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { cancelRun } from "~/core/actions/pipeline.server";
import { respond } from "~/core/actions/runs.server";
import { getUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

export async function loader() {
  return json({ error: "use POST" }, { status: 405, headers: { Allow: "POST" } });
}

/** POST → cancels a running run (if the action supports it) or withdraws a request awaiting approval. */
export async function action({ request, params }: ActionFunctionArgs) {
  return respond(await cancelRun(getPortal(), await getUser(request), params.runId ?? ""));
}
