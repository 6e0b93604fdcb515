import { json } from "@remix-run/node";
import { errorResponse } from "./errors.server";

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
 * The action of a page whose forms are told apart by an `intent` field: `read` reads what the form
 * asked, `run` does it; both return plain data and throw the error family. Answers
 * `{ intent, ok: true }` (200); a refusal is returned, not thrown, so the form that sent it shows it
 * beside its fields: `{ intent, error, fieldErrors }` with the family's status (`intent: ""` when the
 * body could not be read). Anything else thrown stays a 500.
 */
export async function answerIntent<T extends { intent: string }>(read: () => Promise<T>, run: (asked: T) => Promise<unknown>): Promise<Response> {
  let intent = "";
  try {
    const asked = await read();
    intent = asked.intent;
    await run(asked);
    return json({ intent, ok: true as const });
  } catch (err) {
    return errorResponse(err, { intent });
  }
}
