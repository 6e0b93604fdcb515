import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { expireSilence, listSilences } from "~/core/alerts/silences.server";
import { requireUser } from "~/core/auth.server";
import { handle, MethodNotAllowedError, NotFoundError } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  return handle(async () => {
    const found = (await listSilences(getPortal(), { state: "all" })).find((s) => s.id === params.id);
    if (!found) throw new NotFoundError("There is no such silence.");
    return json(found);
  });
}

/** `DELETE /api/silences/:id`: ends the silence now (and in Alertmanager). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  return handle(async () => {
    if (request.method !== "DELETE") throw new MethodNotAllowedError("DELETE");
    return json(await expireSilence(getPortal(), user, params.id ?? ""));
  });
}
