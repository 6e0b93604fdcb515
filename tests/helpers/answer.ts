import { answerRun, errorResponse } from "~/core/http/index.server";

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * A core press, preview or decision as the client sees it: the plain data it returns, or the
 * member of the error family it throws, mapped by the same edge functions the routes use
 * (`answerRun`, `errorResponse`). For tests that assert statuses and JSON bodies; a test about
 * one refusal may rather assert `rejects.toThrow(ConflictError)`.
 */
export async function answerOf(call: Promise<Record<string, unknown>>, answer: (data: Record<string, unknown>) => Response = answerRun): Promise<Answer> {
  let res: Response;
  try {
    res = answer(await call);
  } catch (err) {
    res = errorResponse(err);
  }
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
