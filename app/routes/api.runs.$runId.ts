import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { getRun } from "~/core/actions/runs.server";
import { requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

/** GET → `{ runId, status, result, log, progress, … }`. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const run = await getRun(getPortal(), params.runId ?? "");
  if (!run) return json({ error: "no such run" }, { status: 404 });
  return json(run, { headers: { "Cache-Control": "no-store" } });
}
