import { InputError, UpstreamError } from "../http/errors.server";
import { scrubText } from "../secrets/index.server";
import { getPortal } from "../portal.server";
import { thresholdsFromQuery } from "./api.server";
import { promqlHistory } from "./promql.server";
import { probeEngine } from "./service.server";

const DEFAULT_WIDTH = 640;

/**
 * The history of a PromQL-backed probe (`?width=` is the chart's width in pixels: about one point
 * per pixel); null for any other probe. A bad width is an `InputError`; Prometheus' errors are an
 * `UpstreamError` (502) with its message, scrubbed.
 */
export async function promqlChart(request: Request, id: string, rangeMs: number, now: number) {
  const params = new URL(request.url).searchParams;
  const raw = params.get("width");
  const width = raw === null ? DEFAULT_WIDTH : Number(raw);
  if (!Number.isInteger(width) || width < 10 || width > 4000) {
    throw new InputError("invalid width", { width: ["must be a whole number of pixels between 10 and 4000"] });
  }
  const engine = probeEngine();
  const thresholds = { ...engine.settingsOf(id).thresholds, ...(thresholdsFromQuery(params) ?? {}) };
  try {
    return await promqlHistory(getPortal().registry, id, { rangeMs, now, width, thresholds, signal: AbortSignal.any([request.signal, AbortSignal.timeout(engine.settingsOf(id).timeoutMs * 2)]) });
  } catch (err) {
    throw new UpstreamError(scrubText((err as Error).message, getPortal().config.secretValues ?? []).slice(0, 500));
  }
}
