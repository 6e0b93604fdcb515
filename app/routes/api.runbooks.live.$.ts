import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";
import { liveBlocksOf } from "~/core/runbooks/live-blocks.server";

/** GET → which marked blocks of a runbook can run now (`{ blocks, sql, promql, refused }`). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const live = await liveBlocksOf(params["*"] ?? "", getPortal().registry);
  if (!live) return json({ error: "There is no runbook at this address." }, { status: 404 });
  return json(live, { headers: { "Cache-Control": "no-store" } });
}
