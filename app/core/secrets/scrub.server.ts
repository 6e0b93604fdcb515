/** What a secret is replaced with, everywhere. */
export const REDACTED = "[redacted]";

/**
 * Secrets shorter than this are never searched for in free text: replacing every "7" or "abc" in a
 * log line or a reading would destroy the text and still say which characters the secret has. The
 * same rule holds for config secrets, action inputs and every exit. Short values are still
 * redacted field by field through their schema (`redactBySchema`), and config refuses a secret
 * shorter than this at start (see `shortSecretProblems`).
 */
export const MIN_SECRET_LENGTH = 4;

const AUTH_SCHEME = /^(?:bearer|basic|token|apikey|api-key|digest)\s+(.+)$/i;

/** The forms a secret can take in text that went through JSON, a URL or an auth header. */
function variants(secret: string): string[] {
  const out = [secret];
  const json = JSON.stringify(secret).slice(1, -1);
  if (json !== secret) out.push(json);
  const url = encodeURIComponent(secret);
  if (url !== secret) out.push(url);
  // A form body (application/x-www-form-urlencoded) writes a space as "+".
  const form = url.replace(/%20/g, "+");
  if (form !== url) out.push(form);
  const scheme = AUTH_SCHEME.exec(secret);
  if (scheme) out.push(scheme[1]);
  return out;
}

/** The text forms to search for, longest first so that a secret containing another goes whole. */
function compile(secrets: readonly string[]): string[] {
  const set = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string") continue;
    for (const v of variants(s)) if (v.length >= MIN_SECRET_LENGTH) set.add(v);
  }
  return [...set].sort((a, b) => b.length - a.length);
}

/**
 * One pass over the text for every form (a ping body is scrubbed on the hot path: searching form by
 * form cost ~150 µs per KB with 60 secrets, one alternation ~15 µs). Alternatives are tried in
 * order, longest first, so a secret containing another goes whole.
 */
function matcher(list: readonly string[]): RegExp | null {
  return list.length ? new RegExp(list.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g") : null;
}

function replaceAll(text: string, re: RegExp | null): string {
  return re ? text.replace(re, REDACTED) : text;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (!v || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A compiled scrubber for a fixed list of secrets (compile once when the list is long-lived). */
export interface Scrubber {
  text(text: string): string;
  /**
   * `text` for text that was cut at its end (a capped excerpt): a trailing start of a secret (at
   * least MIN_SECRET_LENGTH characters) is replaced too, so a cap never shows half a key.
   */
  cut(text: string): string;
  deep<T>(value: T): T;
}

function cutTail(text: string, list: readonly string[]): string {
  let best = 0;
  for (const s of list) {
    for (let k = Math.min(s.length - 1, text.length); k >= MIN_SECRET_LENGTH && k > best; k--) {
      if (text.endsWith(s.slice(0, k))) {
        best = k;
        break;
      }
    }
  }
  return best ? text.slice(0, -best) + REDACTED : text;
}

/** Deeper structures than this are cut off (the HTTP edge refuses them long before). */
const MAX_DEPTH = 100;

export function createScrubber(secrets: readonly string[]): Scrubber {
  const list = compile(secrets);
  const re = matcher(list);
  const text = (t: string) => replaceAll(t, re);
  const cut = (t: string) => (list.length ? cutTail(replaceAll(t, re), list) : t);
  const deep = <T>(value: T): T => {
    if (!list.length) return value;
    const visit = (v: unknown, depth: number): unknown => {
      if (typeof v === "string") return replaceAll(v, re);
      if (depth > MAX_DEPTH) return "[too deep]";
      if (Array.isArray(v)) return v.map((x) => visit(x, depth + 1));
      if (v instanceof Error) return replaceAll(v.message, re);
      if (isPlainObject(v)) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[replaceAll(k, re)] = visit(x, depth + 1);
        return out;
      }
      return v;
    };
    return visit(value, 0) as T;
  };
  return { text, cut, deep };
}

/**
 * A scrubber over lists that may still grow (the portal's secrets gain the demo sandboxes' keys
 * after the plugins are set up): compiled once, and again only when a list has changed length.
 */
export function liveScrubber(lists: readonly (readonly string[])[]): Scrubber {
  let size = -1;
  let compiled: Scrubber = createScrubber([]);
  const current = () => {
    const n = lists.reduce((a, l) => a + l.length, 0);
    if (n !== size) {
      size = n;
      compiled = createScrubber(lists.flat());
    }
    return compiled;
  };
  return { text: (t) => current().text(t), cut: (t) => current().cut(t), deep: (v) => current().deep(v) };
}

/**
 * The one scrubber: replaces every known secret value (and its JSON-escaped, URL-encoded and
 * auth-header forms) in a string, or in every string and key of a JSON-like value.
 */
export function scrub<T>(value: T, secrets: readonly string[]): T {
  return compiledFor(secrets).deep(value);
}

/** `scrub` for one string. */
export function scrubText(text: string, secrets: readonly string[]): string {
  return compiledFor(secrets).text(text);
}

/** Callers pass the same list many times (a run scrubs each log line with its list): compile it once. */
const compiledLists = new WeakMap<readonly string[], { size: number; scrubber: Scrubber }>();
function compiledFor(secrets: readonly string[]): Scrubber {
  const hit = compiledLists.get(secrets);
  if (hit && hit.size === secrets.length) return hit.scrubber;
  const scrubber = createScrubber(secrets);
  compiledLists.set(secrets, { size: secrets.length, scrubber });
  return scrubber;
}
