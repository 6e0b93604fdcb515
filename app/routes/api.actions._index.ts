import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { mayRun } from "~/core/actions/pipeline.server";
import { requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { registry } = getPortal();
  return json(
    [...registry.actions.values()].map((a) => ({ id: a.id, title: a.def.title, risk: a.risk, allowed: mayRun(user.roles, a.risk) })),
    { headers: { "Cache-Control": "no-store" } },
  );
}
