import type { LoaderFunctionArgs } from "@remix-run/node";
import { credentialOf, requireUser } from "~/core/auth.server";
import { handle } from "~/core/http/index.server";
import { probeFeed } from "~/core/probes/service.server";

/**
 * `GET /api/probes/stream?v=<view>&v=…`: Server-Sent Events for a page's widgets. Each reading is
 * sent as soon as it returns, then again whenever the probe has a new one; the stream closes when
 * the session that opened it ends (logout, expiry, user disabled).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return handle(async () => {
    const feed = probeFeed();
    const { views, invalid } = feed.parseViews(new URL(request.url).searchParams.getAll("v"));
    return new Response(feed.open(views, invalid, credentialOf(request, user), request.signal), {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store, no-transform",
        Connection: "keep-alive",
        "X-Accel-Buffering": "no",
      },
    });
  });
}
