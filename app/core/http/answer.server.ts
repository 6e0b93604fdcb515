import { json } from "@remix-run/node";

/** A service's answer (an HTTP status and a JSON body) as the route's Response; never cached. */
export function respond(res: { status: number; body: Record<string, unknown> }): Response {
  return json(res.body, { status: res.status, headers: { "Cache-Control": "no-store" } });
}
