import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { errorResponse, MethodNotAllowedError } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";
import { createScrubber } from "~/core/secrets/index.server";
import { sloConfig, SloUnavailable } from "~/core/slo/service.server";
import { sloWidget } from "~/core/slo/widget.server";

const READ_TIMEOUT_MS = 15_000;

/** Only GET: a POST is a 405 in the family's shape, not Remix's "no action" error. */
export async function action() {
  return errorResponse(new MethodNotAllowedError("GET"));
}

/** `GET /api/slo/:name`: the `::slo` widget's figures, budget over the window and deploys in it. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const portal = getPortal();
  const name = params.name ?? "";
  const slo = sloConfig(portal, name);
  if (!slo) return json({ error: `unknown SLO "${name}" (no slos.${name} in the config)` }, { status: 404 });
  const scrub = createScrubber(portal.config.secretValues);
  const timeout = AbortSignal.timeout(READ_TIMEOUT_MS);
  try {
    return json(scrub.deep(await sloWidget(portal, name, { signal: AbortSignal.any([request.signal, timeout]) })), { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    // A source that hangs: say which one and how long we waited (the fetch only says "aborted due to timeout").
    if (timeout.aborted) {
      const source = slo.sli.probe ? "The probe history" : slo.sli.sentry ? "Sentry" : "Prometheus";
      return json({ error: `${source} did not answer within ${READ_TIMEOUT_MS / 1000} s; the SLO could not be read` }, { status: 503, headers: { "Retry-After": "30" } });
    }
    const message = scrub.text(err instanceof Error ? err.message : String(err));
    return json({ error: err instanceof SloUnavailable ? message : `the SLO could not be read: ${message}` }, { status: err instanceof SloUnavailable ? 503 : 502 });
  }
}
