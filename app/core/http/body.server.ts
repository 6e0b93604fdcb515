import { HttpError, InputError, PayloadTooLargeError, UnsupportedMediaTypeError } from "./errors.server";

/** Largest body any route reads (a form or a JSON action request with its evidence). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Deepest nesting of arrays/objects accepted in a JSON body (evidence is a few levels deep). */
export const MAX_JSON_DEPTH = 32;

/** How much of an oversized body is read and dropped before answering 413 (beyond it the connection is cut). */
export const DRAIN_BYTES = 8 * 1024 * 1024;

export type BodyKind = "json" | "form" | "json-or-form";

export interface ReadBodyOptions {
  /** What the route takes. JSON-only routes refuse forms (a cross-site form cannot post JSON). */
  accept: BodyKind;
  maxBytes?: number;
  maxDepth?: number;
  /** What an empty body means (default `{}`). */
  empty?: Record<string, unknown>;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;
const MULTIPART_TYPE = /^multipart\/form-data\s*;/i;

async function readBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLargeError(limit);
  if (!request.body) return new Uint8Array();
  if (request.bodyUsed) throw new InputError({ body: ["the body was already read"] });
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Read the rest and drop it, so the client gets the 413 instead of a reset connection;
      // beyond DRAIN_BYTES the upload is abuse and the connection is cut.
      while (size <= DRAIN_BYTES) {
        const next = await reader.read();
        if (next.done) throw new PayloadTooLargeError(limit);
        size += next.value.byteLength;
      }
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError({ body: ["the body is not valid UTF-8"] });
  }
}

/**
 * The nesting depth of a JSON text, counted without parsing (iteratively, so a hostile depth
 * cannot overflow the stack here or in anything that walks the value later).
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91 /* { [ */) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** Parses JSON text into a plain object, with the depth cap. */
export function parseJsonObject(text: string, maxDepth = MAX_JSON_DEPTH): Record<string, unknown> {
  if (jsonDepth(text) > maxDepth) throw new InputError({ body: [`nested deeper than ${maxDepth} levels`] }, `the body is nested deeper than ${maxDepth} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError({ body: ["not valid JSON"] }, "the body is not valid JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new InputError({ body: ["must be a JSON object"] }, "the body must be a JSON object");
  return value as Record<string, unknown>;
}

function formToObject(form: URLSearchParams | FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    const values = form.getAll(key);
    if (values.some((v) => typeof v !== "string")) throw new InputError({ [key]: ["files are not accepted here"] });
    out[key] = values.length > 1 ? values : values[0];
  }
  return out;
}

/**
 * The one request reader: the body as a plain object, read with a size cap. JSON (with a depth
 * cap) only where the route takes JSON, form fields only where it takes forms; repeated form
 * fields become lists. Throws typed errors: 413 too large, 415 wrong type, 400 malformed.
 */
export async function readBody(request: Request, options: ReadBodyOptions): Promise<Record<string, unknown>> {
  const limit = options.maxBytes ?? MAX_BODY_BYTES;
  const type = (request.headers.get("content-type") ?? "").trim();
  const takesJson = options.accept !== "form";
  const takesForm = options.accept !== "json";
  const isJson = JSON_TYPE.test(type);
  const isForm = FORM_TYPE.test(type) || MULTIPART_TYPE.test(type);
  if ((isJson && !takesJson) || (isForm && !takesForm) || (!isJson && !isForm && type)) {
    throw new UnsupportedMediaTypeError(options.accept === "json" ? "application/json" : options.accept === "form" ? "application/x-www-form-urlencoded" : "application/json or a form");
  }
  const bytes = await readBytes(request, limit);
  if (!type) {
    if (bytes.length === 0) return { ...(options.empty ?? {}) };
    throw new UnsupportedMediaTypeError(options.accept === "form" ? "application/x-www-form-urlencoded" : "application/json");
  }
  if (isJson) {
    const text = decodeUtf8(bytes);
    if (!text.trim()) return { ...(options.empty ?? {}) };
    return parseJsonObject(text, options.maxDepth ?? MAX_JSON_DEPTH);
  }
  if (FORM_TYPE.test(type)) return formToObject(new URLSearchParams(decodeUtf8(bytes)));
  let form: FormData;
  try {
    form = await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]), { headers: { "content-type": type } }).formData();
  } catch {
    throw new InputError({ body: ["not a valid multipart form"] }, "the body is not a valid form");
  }
  return formToObject(form);
}

/** A query parameter that must appear at most once and within a length. */
export function queryParam(url: URL, name: string, maxLength = 500): string | undefined {
  const all = url.searchParams.getAll(name);
  if (all.length > 1) throw new InputError({ [name]: ["give it once"] });
  const v = all[0];
  if (v !== undefined && v.length > maxLength) throw new InputError({ [name]: [`at most ${maxLength} characters`] });
  return v;
}

/** `readBody` for services that audit a refused body themselves: the error as a value instead of a throw. */
export async function tryReadBody(request: Request, options: ReadBodyOptions): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; error: HttpError }> {
  try {
    return { ok: true, value: await readBody(request, options) };
  } catch (err) {
    if (err instanceof HttpError) return { ok: false, error: err };
    throw err;
  }
}
