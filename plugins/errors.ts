// The one error family of the portal, thrown by plugins and core alike and mapped to HTTP once, at
// the edge (app/core/http): each class carries its status, the field errors a form shows, and any
// further fields of the JSON answer. Re-exported by plugin-api.ts; no imports, no side effects.

export type FieldErrors = Record<string, string[]>;

export interface PortalErrorOptions {
  fieldErrors?: FieldErrors;
  /** Response headers (Allow, Retry-After…). */
  headers?: Record<string, string>;
  /** Further fields of the JSON answer beside `error` and `fieldErrors` (e.g. `runId`, `status`). */
  body?: Record<string, unknown>;
}

/** The base of the family: an HTTP status and the words for the person who asked. Anything else thrown is a bug (500). */
export class PortalError extends Error {
  readonly status: number;
  readonly fieldErrors: FieldErrors;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  constructor(status: number, message: string, fieldErrors: FieldErrors = {}, headers: Record<string, string> = {}, body: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.fieldErrors = fieldErrors;
    this.headers = headers;
    this.body = body;
  }
}

function options(fieldErrorsOrOptions: FieldErrors | PortalErrorOptions | undefined): PortalErrorOptions {
  if (!fieldErrorsOrOptions) return {};
  // Field errors are lists of words; options hold objects (a field may well be called "body").
  const isFieldErrors = Object.values(fieldErrorsOrOptions).every(Array.isArray);
  return isFieldErrors ? { fieldErrors: fieldErrorsOrOptions as FieldErrors } : (fieldErrorsOrOptions as PortalErrorOptions);
}

/**
 * 400: the input cannot be acted on as given (over-refund, unknown order, an id another record
 * already holds…); `fieldErrors` names each field and what is wrong with it. Either argument order:
 * `new InputError("over-refund", { amount: […] })` or `new InputError({ amount: […] }, "over-refund")`.
 * From an action's preview() or run() it stops the press as `invalid` before anything runs.
 */
export class InputError extends PortalError {
  constructor(first: string | FieldErrors, second?: string | FieldErrors | PortalErrorOptions) {
    const message = typeof first === "string" ? first : typeof second === "string" ? second : "invalid input";
    const o = typeof first === "string" ? options(second as FieldErrors | PortalErrorOptions | undefined) : { ...options(typeof second === "object" ? second : undefined), fieldErrors: first };
    super(400, message, o.fieldErrors ?? {}, o.headers, o.body);
  }
}

/**
 * The plugins' older name for `InputError` (message first, then field errors); still thrown by
 * preview() and run() and treated alike.
 */
export class ActionInputError extends InputError {
  constructor(message: string, fieldErrors: FieldErrors = {}) {
    super(message, { fieldErrors });
  }
}

/** 401: nobody is signed in. */
export class UnauthenticatedError extends PortalError {
  constructor(message = "authentication required", o: PortalErrorOptions = {}) {
    super(401, message, o.fieldErrors, o.headers, o.body);
  }
}

/** 403: signed in, but not allowed. The message reads "forbidden: …" unless `asWritten` keeps it as given (a rule of two people, not a role). */
export class ForbiddenError extends PortalError {
  constructor(message: string, o: PortalErrorOptions & { asWritten?: boolean } = {}) {
    super(403, o.asWritten || message.startsWith("forbidden") ? message : `forbidden: ${message}`, o.fieldErrors, o.headers, o.body);
  }
}

/** 404: no such thing (an order, a run, an action). */
export class NotFoundError extends PortalError {
  constructor(message: string, o: PortalErrorOptions = {}) {
    super(404, message, o.fieldErrors, o.headers, o.body);
  }
}

/** 409: the thing is not in a state that allows this (decided already, changed since the preview, locked). */
export class ConflictError extends PortalError {
  constructor(message: string, o: PortalErrorOptions = {}) {
    super(409, message, o.fieldErrors, o.headers, o.body);
  }
}

/** 429: too many; `retryAfter` (seconds) becomes the Retry-After header. */
export class RateLimitedError extends PortalError {
  readonly retryAfter: number | null;
  constructor(message: string, o: PortalErrorOptions & { retryAfter?: number } = {}) {
    super(429, message, o.fieldErrors, { ...(o.retryAfter !== undefined ? { "Retry-After": String(o.retryAfter) } : {}), ...(o.headers ?? {}) }, o.body);
    this.retryAfter = o.retryAfter ?? null;
  }
}

/**
 * 502/503: the provider failed or refused us (its 401, 429, 5xx, a timeout). `message` is the
 * provider's words, `providerStatus` its status; a provider that is rate limiting or down answers
 * 503 (try later), anything else 502.
 */
export class UpstreamError extends PortalError {
  readonly providerStatus: number | null;
  constructor(message: string, o: PortalErrorOptions & { providerStatus?: number | null; timedOut?: boolean } = {}) {
    const providerStatus = o.providerStatus ?? null;
    super(o.timedOut || providerStatus === 429 || providerStatus === 503 ? 503 : 502, message, o.fieldErrors, o.headers, o.body);
    this.providerStatus = providerStatus;
  }
}

/** 503: something the answer needs (the store, the audit log) cannot be written or read now. */
export class UnavailableError extends PortalError {
  constructor(message: string, o: PortalErrorOptions = {}) {
    super(503, message, o.fieldErrors, o.headers, o.body);
  }
}

/** True for a member of the family, also across module copies (a plugin bundled with its own copy of this file). */
export function isPortalError(err: unknown): err is PortalError {
  if (err instanceof PortalError) return true;
  const e = err as { status?: unknown; fieldErrors?: unknown; body?: unknown } | null;
  return err instanceof Error && typeof e?.status === "number" && e.status >= 400 && e.status < 600 && typeof e.fieldErrors === "object" && typeof e.body === "object" && FAMILY.has(err.name);
}

const FAMILY = new Set(["PortalError", "InputError", "ActionInputError", "UnauthenticatedError", "ForbiddenError", "NotFoundError", "ConflictError", "RateLimitedError", "UpstreamError", "UnavailableError"]);
