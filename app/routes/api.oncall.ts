import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireRole, requireUser } from "~/core/auth.server";
import { handle, MethodNotAllowedError, readBody } from "~/core/http/index.server";
import { addOverride } from "~/core/notifications/admin.server";
import { oncallNow } from "~/core/notifications/oncall.server";
import { getPortal } from "~/core/portal.server";

/** `GET /api/oncall` → `{ rotations: [{ name, now, next: { user, at } }] }`. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  return handle(async () => {
    const portal = getPortal();
    return json({ rotations: await oncallNow(portal.store, portal.config.oncall) }, { headers: { "Cache-Control": "no-store" } });
  });
}

/** `POST /api/oncall` `{ rotation, username, startsAt, endsAt }` (admins): an override, audited. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "admin");
  return handle(async () => {
    if (request.method !== "POST") throw new MethodNotAllowedError("POST");
    return json(await addOverride(getPortal(), user, await readBody(request, { accept: "json" })), { status: 201 });
  });
}
