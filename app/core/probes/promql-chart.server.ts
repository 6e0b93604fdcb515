import { json } from "@remix-run/node";
import { scrubText } from "../secrets/index.server";
import { getPortal } from "../portal.server";
import { thresholdsFromQuery } from "./api.server";
import { promqlHistory } from "./promql.server";
import { probeEngine } from "./service.server";

const DEFAULT_WIDTH = 640;

/**
 * The history answer for a PromQL-backed probe (`?width=` is the chart's width in pixels: about
 * one point per pixel); null for any other probe. Prometheus' errors answer 502 with its message.
 */
export async function promqlChart(request: Request, id: string, rangeMs: number, now: number): Promise<Response | null> {
  const params = new URL(request.url).searchParams;
  const raw = params.get("width");
  const width = raw === null ? DEFAULT_WIDTH : Number(raw);
  if (!Number.isInteger(width) || width < 10 || width > 4000) {
    return json({ error: "invalid width", fieldErrors: { width: ["must be a whole number of pixels between 10 and 4000"] } }, { status: 400 });
  }
  const engine = probeEngine();
  const thresholds = { ...engine.settingsOf(id).thresholds, ...(thresholdsFromQuery(params) ?? {}) };
  try {
    const history = await promqlHistory(getPortal().registry, id, { rangeMs, now, width, thresholds, signal: AbortSignal.any([request.signal, AbortSignal.timeout(engine.settingsOf(id).timeoutMs * 2)]) });
    return history && json(history, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return json({ error: scrubText((err as Error).message, getPortal().config.secretValues ?? []).slice(0, 500) }, { status: 502 });
  }
}
