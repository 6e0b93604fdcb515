import { json } from "@remix-run/node";
import type { z } from "zod";

export type FieldErrors = Record<string, string[]>;

/**
 * The one family of typed errors at the HTTP edge. Services throw these; `errorResponse` maps each
 * to its status with `{ error, fieldErrors }`. Anything else is a bug and stays a 500.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly fieldErrors: FieldErrors;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, fieldErrors: FieldErrors = {}, headers: Record<string, string> = {}) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.fieldErrors = fieldErrors;
    this.headers = headers;
  }
}

/** 400: the input is wrong; `fieldErrors` names each field and what is wrong with it. */
export class InputError extends HttpError {
  constructor(fieldErrors: FieldErrors, message = "invalid input") {
    super(400, message, fieldErrors);
  }
}

/** 401: nobody is signed in. */
export class UnauthenticatedError extends HttpError {
  constructor(message = "authentication required") {
    super(401, message);
  }
}

/** 403: signed in, but not allowed. */
export class ForbiddenError extends HttpError {
  constructor(message: string) {
    super(403, message.startsWith("forbidden") ? message : `forbidden: ${message}`);
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, message);
  }
}

export class MethodNotAllowedError extends HttpError {
  constructor(allow: string) {
    super(405, `method not allowed (use ${allow})`, {}, { Allow: allow });
  }
}

export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limit: number) {
    super(413, `the body is larger than ${limit} bytes`, { body: [`at most ${limit} bytes`] });
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(expected: string) {
    super(415, `send the body as ${expected}`, { body: [`Content-Type must be ${expected}`] });
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(message: string) {
    super(429, message);
  }
}

/** 503: a dependency the answer needs (the store, the audit log) cannot be written or read now. */
export class UnavailableError extends HttpError {
  constructor(message: string) {
    super(503, message);
  }
}

/** True for any error that carries an HTTP status in the 4xx/5xx range as a typed field (ours or a service's). */
function statusOf(err: unknown): number | undefined {
  if (err instanceof HttpError) return err.status;
  const status = (err as { status?: unknown } | null)?.status;
  return err instanceof Error && typeof status === "number" && status >= 400 && status < 600 ? status : undefined;
}

/** The JSON answer for a typed error; rethrows Responses (Remix answers those) and unknown errors (bugs). */
export function errorResponse(err: unknown, extra: Record<string, unknown> = {}): Response {
  if (err instanceof Response) throw err;
  const status = statusOf(err);
  if (status === undefined) throw err;
  const e = err as Error & { fieldErrors?: FieldErrors; headers?: Record<string, string> };
  const fieldErrors = e.fieldErrors && typeof e.fieldErrors === "object" ? e.fieldErrors : {};
  return json({ ...extra, error: e.message, fieldErrors }, { status, headers: { "Cache-Control": "no-store", ...(e.headers ?? {}) } });
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
