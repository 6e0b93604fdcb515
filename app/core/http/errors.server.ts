import { json } from "@remix-run/node";
import type { z } from "zod";
import { InputError, isPortalError, PortalError, type FieldErrors } from "../../../plugins/errors";

export {
  ActionInputError,
  ConflictError,
  ForbiddenError,
  InputError,
  isPortalError,
  NotFoundError,
  PortalError as HttpError,
  RateLimitedError,
  UnauthenticatedError,
  UnavailableError,
  UpstreamError,
  type FieldErrors,
} from "../../../plugins/errors";

/**
 * The one family of typed errors lives in the plugin API (plugins/errors.ts) so that plugins and
 * core throw the same classes; these few are the HTTP edge's own (the request itself is wrong).
 * `errorResponse` maps every member to its status with `{ ...body, error, fieldErrors }`.
 */
export class MethodNotAllowedError extends PortalError {
  constructor(allow: string) {
    super(405, `method not allowed (use ${allow})`, {}, { Allow: allow });
  }
}

export class PayloadTooLargeError extends PortalError {
  constructor(limit: number) {
    super(413, `the body is larger than ${limit} bytes`, { body: [`at most ${limit} bytes`] });
  }
}

export class UnsupportedMediaTypeError extends PortalError {
  constructor(expected: string) {
    super(415, `send the body as ${expected}`, { body: [`Content-Type must be ${expected}`] });
  }
}

/** The older name of `RateLimitedError`. */
export { RateLimitedError as TooManyRequestsError } from "../../../plugins/errors";

/**
 * The JSON answer for a member of the error family: its status, `{ ...body, error, fieldErrors }`,
 * its headers. Rethrows Responses (Remix answers those) and anything else (a bug: 500).
 */
export function errorResponse(err: unknown, extra: Record<string, unknown> = {}): Response {
  if (err instanceof Response) throw err;
  if (!isPortalError(err)) throw err;
  return json({ ...extra, ...err.body, error: err.message, fieldErrors: err.fieldErrors }, { status: err.status, headers: { "Cache-Control": "no-store", ...err.headers } });
}

/**
 * For loaders and actions that let Remix answer: awaits a core call and throws a member of the
 * error family as its JSON Response (Remix renders the route's error boundary with its status);
 * anything else stays a 500.
 */
export async function orErrorResponse<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw errorResponse(err);
  }
}

/** Runs a route body; a typed error becomes its JSON answer (returned, so forms can show field errors). */
export async function handle(fn: () => Promise<Response>, extra: Record<string, unknown> = {}): Promise<Response> {
  try {
    return await fn();
  } catch (err) {
    return errorResponse(err, extra);
  }
}

/** Parses input with a zod schema; a failure is an `InputError` naming each field (`a.b` for nested ones, `form` for the whole). */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InputError(fieldErrorsOf(parsed.error));
}

export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join(".") : "form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}
