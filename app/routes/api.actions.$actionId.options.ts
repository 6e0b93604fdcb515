import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { inputOptions } from "~/core/actions/input-options.server";
import { requireUser } from "~/core/auth.server";
import { handle, InputError, parseJsonObject, queryParam } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";

/** GET `?field=backupId&input={…}` → `{ choices: [{ value, label, badge?, detail?, refused? }], note? }`: the live choices for one input field. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return handle(async () => {
    const url = new URL(request.url);
    const field = queryParam(url, "field", 100);
    if (!field) throw new InputError({ field: ["name the input field"] });
    const raw = queryParam(url, "input", 4000);
    const input = raw ? parseJsonObject(raw) : {};
    const options = await inputOptions(getPortal(), user, params.actionId ?? "", field, input);
    return json(options, { headers: { "Cache-Control": "no-store" } });
  });
}
