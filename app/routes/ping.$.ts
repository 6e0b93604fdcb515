import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { handlePing } from "~/core/cron-pings.server";

/** healthchecks.io-style pings: `/ping/<ping token>/<job>[/start|/fail|/<exit status>]`, GET or POST. */
async function route(request: Request, splat: string) {
  const parts = splat.split("/").filter(Boolean);
  if (parts.length === 2 || parts.length === 3) {
    const out = await handlePing(request, { token: parts[0]!, job: parts[1]!, kind: parts[2] ?? "success" });
    return json(out.body, { status: out.status, headers: out.headers });
  }
  return json({ error: "use /ping/<ping token>/<job>[/start|/fail|/<exit status>]" }, { status: 404 });
}

export const loader = ({ request, params }: LoaderFunctionArgs) => route(request, params["*"] ?? "");
export const action = ({ request, params }: ActionFunctionArgs) => route(request, params["*"] ?? "");
