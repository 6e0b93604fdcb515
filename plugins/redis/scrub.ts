/**
 * Keeps the connection URL's password out of every message (through the portal's scrubber), and
 * secrets out of value excerpts: what the portal cannot know (a password in another URL, tokens
 * stored as cache values) is caught by shape.
 */
import type { TextScrubber } from "../plugin-api";

export const REDACTED = "[redacted]";

/** What may be shown of a server: host, port, database; never user or password. */
export function describeServer(url: string, db?: number): string {
  try {
    const u = new URL(url);
    const n = db ?? (Number(u.pathname.replace(/^\//, "")) || 0);
    return `${u.protocol === "rediss:" ? "rediss" : "redis"}://${u.hostname}:${u.port || 6379} db ${n}`;
  } catch {
    return "the configured Redis";
  }
}

/**
 * How the client scrubs a message: the portal's scrubber (the configured URL, its password raw and
 * decoded, every other secret of the portal), then any `user:pass@` of a URL the portal was never
 * given (a replica's address in an error). Unit tests may have no portal scrubber.
 */
export function connectionScrubber(scrubber?: TextScrubber): (text: string) => string {
  return (text: string) => (scrubber ? scrubber.text(String(text)) : String(text)).replace(/(rediss?:\/\/[^:/@\s]*:)[^@\s]+@/gi, `$1${REDACTED}@`);
}

const SECRET_FIELD = /pass(word)?|secret|token|api[_-]?key|auth(orization)?|credential|private[_-]?key|signature|session|cookie|card|cvc|iban/i;

const SECRET_SHAPES: RegExp[] = [
  /\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{6,}/g, // Stripe keys
  /\bwhsec_[A-Za-z0-9+/=]{6,}/g, // webhook signing secrets
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, // JWTs
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(odk|ghp|gho|xox[abp]|AKIA)[_-]?[A-Za-z0-9]{12,}/g, // API tokens of common shapes
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];

/** Scrubs secrets from a value excerpt: known token shapes, `field: value` pairs named like secrets, URL passwords. */
export function scrubValue(text: string): string {
  let out = text;
  for (const re of SECRET_SHAPES) out = out.replace(re, REDACTED);
  out = out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]+@/gi, `$1${REDACTED}@`);
  // JSON-ish and query-ish pairs whose name says secret: "password":"x", token=x
  out = out.replace(/("([^"\\]{0,60})"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,{}[\]\s"]+)/g, (all, head: string, name: string) => (SECRET_FIELD.test(name) ? `${head}"${REDACTED}"` : all));
  out = out.replace(/\b([A-Za-z_][\w.-]{0,40})=([^&\s;,]+)/g, (all, name: string) => (SECRET_FIELD.test(name) ? `${name}=${REDACTED}` : all));
  return out;
}

/** Whether a hash field or JSON key names a secret (its value is then never shown). */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}
