import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { errorText } from "~/core/audit/audit.server";
import { getPortal } from "~/core/portal.server";
import { checkHealthBlock, liveBlocksOf, LiveCheckRefused } from "~/core/runbooks/live-blocks.server";

/** GET → which marked blocks of a runbook can run now (`{ blocks, sql, promql, refused }`). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const portal = getPortal();
  const live = await liveBlocksOf(params["*"] ?? "", portal.registry, { liveHosts: portal.config.runbooks.liveHosts });
  if (!live) return json({ error: "There is no runbook at this address." }, { status: 404 });
  return json(live, { headers: { "Cache-Control": "no-store" } });
}

/** POST `{ id }` → "Check now" on the runbook's health URL with that block id (allow-listed hosts only). */
export async function action({ request, params }: ActionFunctionArgs) {
  await requireUser(request);
  if (request.method !== "POST") return json({ error: "use POST" }, { status: 405 });
  const body = (await request.json().catch(() => null)) as { id?: unknown } | null;
  const id = typeof body?.id === "number" ? body.id : Number.NaN;
  if (!Number.isInteger(id) || id < 0) return json({ error: "id: a block id (a non-negative integer) is required" }, { status: 400 });
  const portal = getPortal();
  try {
    return json(await checkHealthBlock(params["*"] ?? "", id, portal.registry, { liveHosts: portal.config.runbooks.liveHosts }), { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    if (err instanceof LiveCheckRefused) return json({ error: err.message }, { status: err.status });
    return json({ error: errorText(err, portal.config.secretValues) }, { status: 502 });
  }
}
