import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { acknowledgeProbeRow, snoozeProbeRow } from "~/core/alerts/probe-rows.server";
import { requireUser } from "~/core/auth.server";
import { handle, InputError, MethodNotAllowedError, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

/** `POST /api/alerts/probes/:probeId` `{ intent: "ack" }` or `{ intent: "snooze", duration, comment }`: the overview's "needs attention" rows. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  return handle(async () => {
    if (request.method !== "POST") throw new MethodNotAllowedError("POST");
    const body = await readBody(request, { accept: "json-or-form" });
    if (body.intent === "ack") await acknowledgeProbeRow(getPortal(), user, params.probeId ?? "");
    else if (body.intent === "snooze") await snoozeProbeRow(getPortal(), user, params.probeId ?? "", body);
    else throw new InputError({ intent: ["must be ack or snooze"] });
    return json({ ok: true });
  });
}
