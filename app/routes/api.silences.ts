import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { createSilence, listSilences } from "~/core/alerts/silences.server";
import { requireUser } from "~/core/auth.server";
import { handle, InputError, MethodNotAllowedError, queryParam, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

/** `GET /api/silences?state=current|all` (default current: active, pending and recurring). */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const url = new URL(request.url);
  return handle(async () => {
    const state = queryParam(url, "state") ?? "current";
    if (state !== "current" && state !== "all") throw new InputError({ state: ["must be current or all"] });
    return json(await listSilences(getPortal(), { state }), { headers: { "Cache-Control": "no-store" } });
  });
}

/** `POST /api/silences` `{ matchers: [{ name, value, isRegex }], startsAt?, endsAt | duration | schedule: { cron, duration, timezone }, comment }` → 201 */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  return handle(async () => {
    if (request.method !== "POST") throw new MethodNotAllowedError("POST");
    const silence = await createSilence(getPortal(), user, await readBody(request, { accept: "json" }));
    return json(silence, { status: 201 });
  });
}
