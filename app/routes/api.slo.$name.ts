import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";
import { createScrubber } from "~/core/secrets/index.server";
import { sloConfig, SloUnavailable } from "~/core/slo/service.server";
import { sloWidget } from "~/core/slo/widget.server";

/** `GET /api/slo/:name`: the `::slo` widget's figures, budget over the window and deploys in it. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const portal = getPortal();
  const name = params.name ?? "";
  if (!sloConfig(portal, name)) return json({ error: `unknown SLO "${name}" (no slos.${name} in the config)` }, { status: 404 });
  const scrub = createScrubber(portal.config.secretValues);
  try {
    return json(scrub.deep(await sloWidget(portal, name, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(15_000)]) })), { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    const message = scrub.text(err instanceof Error ? err.message : String(err));
    return json({ error: err instanceof SloUnavailable ? message : `the SLO could not be read: ${message}` }, { status: err instanceof SloUnavailable ? 503 : 502 });
  }
}
