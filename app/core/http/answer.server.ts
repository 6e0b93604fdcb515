import { json } from "@remix-run/node";

/** A run's statuses that mean "accepted, not done yet": the caller follows `/api/runs/:runId`. */
const ACCEPTED = new Set(["started", "awaiting_approval", "requested", "cancelling"]);

/**
 * The answer to a press or a decision that a core service returned (its refusals are thrown and
 * answered by `errorResponse`): 202 while the run it names is accepted but not done, 200 for
 * anything else (decided, cancelled, reviewed, or the existing run of a repeated idempotency key).
 * Never cached.
 */
export function answerRun(data: Record<string, unknown>): Response {
  return json(data, { status: runAnswerStatus(data), headers: { "Cache-Control": "no-store" } });
}

/** The HTTP status of a press's or decision's answer: 202 while its run is accepted but not done, else 200. */
export function runAnswerStatus(data: Record<string, unknown>): 200 | 202 {
  return data.duplicate !== true && typeof data.status === "string" && ACCEPTED.has(data.status) ? 202 : 200;
}

/** A service's plain data as the route's JSON answer (200); never cached. */
export function answerData(data: Record<string, unknown>): Response {
  return json(data, { headers: { "Cache-Control": "no-store" } });
}

/**
 * Remix's `json`, typed, for the few request handlers below the routes that answer a whole request
 * (an incident page's intents): the only place outside routes that builds a JSON Response is here.
 */
export const answerJson: typeof json = json;
