import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { describeCronJob, handlePing, type PingAnswer } from "~/core/cron-pings.server";
import { handle } from "~/core/http/errors.server";

const send = (out: PingAnswer) => json(out.body, { status: out.status, headers: out.headers });

/**
 * Pings: `GET|POST /api/cron/<job>/start|success|fail|<exit 0–255>` with `Authorization: Bearer
 * <ping token>`, optional `?rid=<uuid>`, the body kept as the run's log excerpt.
 * `GET /api/cron/<job>` (signed in): the job's state and recent runs, for the run-history chart.
 */
async function route(request: Request, splat: string) {
  const parts = splat.split("/").filter(Boolean);
  if (parts.length === 2) return send(await handlePing(request, { job: parts[0]!, kind: parts[1]! }));
  if (parts.length === 1 && request.method === "POST") return send(await handlePing(request, { job: parts[0]!, kind: "success" }));
  if (parts.length === 1) {
    await requireUser(request);
    return handle(async () => json(await describeCronJob(parts[0]!), { headers: { "Cache-Control": "no-store" } }));
  }
  return json({ error: "use /api/cron/<job>/start|success|fail|<exit status>" }, { status: 404 });
}

export const loader = ({ request, params }: LoaderFunctionArgs) => route(request, params["*"] ?? "");
export const action = ({ request, params }: ActionFunctionArgs) => route(request, params["*"] ?? "");
