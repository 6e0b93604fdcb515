import { json } from "@remix-run/node";

/** A service's answer (an HTTP status and a JSON body) as the route's Response; never cached. */
export function respond(res: { status: number; body: Record<string, unknown> }): Response {
  return json(res.body, { status: res.status, headers: { "Cache-Control": "no-store" } });
}

/**
 * Remix's `json`, typed, for the few request handlers below the routes that answer a whole request
 * (an incident page's intents): the only place outside routes that builds a JSON Response is here.
 */
export const answerJson: typeof json = json;
