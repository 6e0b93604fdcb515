import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import type { Thresholds } from "../../plugins/plugin-api";
import { requireUser } from "~/core/auth.server";
import { probeEngine } from "~/core/probes/service.server";
import { parseThreshold } from "~/core/probes/thresholds.server";

const MAX_VIEWS = 100;
const TICK_MS = 1000;
const HEARTBEAT_MS = 15_000;

interface View {
  key: string;
  probeId: string;
  thresholds?: Thresholds;
}

/** A view key is `probeId`, or `probeId#warn#critical` for a widget with its own thresholds. */
function parseView(key: string): View | { key: string; error: string } {
  const [probeId, warn, critical] = key.split("#");
  if (!warn && !critical) return { key, probeId };
  try {
    if (warn) parseThreshold(warn);
    if (critical) parseThreshold(critical);
  } catch (err) {
    return { key, error: err instanceof Error ? err.message : String(err) };
  }
  return { key, probeId, thresholds: { warn: warn || undefined, critical: critical || undefined } };
}

/**
 * `GET /api/probes/stream?v=<view>&v=…`: Server-Sent Events for a page's widgets. Each reading is
 * sent as soon as it returns, then again whenever the probe has a new one. Reads go through the
 * engine's cache and single-flight, so viewers add no upstream reads.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const keys = [...new Set(new URL(request.url).searchParams.getAll("v"))];
  if (keys.length === 0 || keys.length > MAX_VIEWS) {
    return json({ error: `give between 1 and ${MAX_VIEWS} probes as ?v=<probeId>` }, { status: 400 });
  }
  const engine = probeEngine();
  const parsed = keys.map(parseView);
  const views = parsed.filter((v): v is View => "probeId" in v && engine.has(v.probeId));
  const invalid = parsed.filter((v) => !("probeId" in v) || !engine.has(v.probeId));
  const encoder = new TextEncoder();

  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const write = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          close();
        }
      };
      const send = (view: View) =>
        engine
          .reading(view.probeId, { thresholds: view.thresholds })
          .then((reading) => write(`event: reading\ndata: ${JSON.stringify({ key: view.key, reading })}\n\n`))
          .catch(() => {});

      write(`retry: 3000\n\n`);
      for (const v of invalid) {
        const error = "error" in v ? v.error : `unknown probe "${v.key.split("#")[0]}"`;
        write(`event: invalid\ndata: ${JSON.stringify({ key: v.key, error })}\n\n`);
      }
      for (const view of views) void send(view);

      const ids = [...new Set(views.map((v) => v.probeId))];
      const unsubscribe = engine.subscribe((id) => {
        for (const view of views) if (view.probeId === id) void send(view);
      });
      // Asking keeps readings fresh while someone watches: a stale probe gets one shared refresh.
      const tick = setInterval(() => {
        for (const id of ids) if (engine.isStale(id)) void engine.refresh(id);
      }, TICK_MS);
      const heartbeat = setInterval(() => write(`: keep-alive\n\n`), HEARTBEAT_MS);

      const close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(tick);
        clearInterval(heartbeat);
        request.signal.removeEventListener("abort", close);
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      cleanup = close;
      request.signal.addEventListener("abort", close);
    },
    cancel() {
      cleanup();
    },
  });

  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    },
  });
}
