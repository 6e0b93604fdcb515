import type { z } from "zod";
import { isSecretSchema } from "../../../plugins/plugin-api";
import { MIN_SECRET_LENGTH, REDACTED } from "./scrub.server";

type OnSecret = (value: unknown) => unknown;

/** Values nested deeper than this are left as they are (a lazy schema could otherwise recurse without end). */
const MAX_DEPTH = 64;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/**
 * The one walker: follows a value along its zod schema (config sections and action inputs alike)
 * and lets `onSecret` replace each value whose schema is marked `secret()`. Wrappers (optional,
 * nullable, default, prefault, catch, readonly, nonoptional, lazy, pipe) are seen through; a union,
 * an intersection or a pipe tries every side, so a secret in any option is found (over-redacting
 * beats leaking). Returns the same value (by identity) when nothing was replaced.
 */
function walk(schema: z.ZodType | undefined, value: unknown, onSecret: OnSecret, depth: number): unknown {
  if (!schema || value === undefined || value === null || depth > MAX_DEPTH) return value;
  if (isSecretSchema(schema)) return onSecret(value);
  const def = (schema as { _zod?: { def?: any } })._zod?.def;
  if (!def) return value;
  const next = depth + 1;
  switch (def.type) {
    case "object": {
      if (!isPlainObject(value)) return value;
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const inner = (def.shape as Record<string, z.ZodType>)[k] ?? def.catchall;
        out[k] = walk(inner, v, onSecret, next);
        if (out[k] !== v) changed = true;
      }
      return changed ? out : value;
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
    case "promise":
    case "success":
      return walk(def.innerType, value, onSecret, next);
    case "lazy":
      return walk(def.getter(), value, onSecret, next);
    case "pipe":
      // Input side first (an action's raw input), then output side (a config's parsed value).
      return walk(def.out, walk(def.in, value, onSecret, next), onSecret, next);
    case "array": {
      if (!Array.isArray(value)) return value;
      const out = value.map((v) => walk(def.element, v, onSecret, next));
      return out.some((v, i) => v !== value[i]) ? out : value;
    }
    case "tuple": {
      if (!Array.isArray(value)) return value;
      const out = value.map((v, i) => walk(def.items[i] ?? def.rest, v, onSecret, next));
      return out.some((v, i) => v !== value[i]) ? out : value;
    }
    case "set": {
      if (!(value instanceof Set)) return value;
      return new Set([...value].map((v) => walk(def.valueType, v, onSecret, next)));
    }
    case "record":
    case "map": {
      if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, walk(def.valueType, v, onSecret, next)]));
      if (!isPlainObject(value)) return value;
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] = walk(def.valueType, v, onSecret, next);
        if (out[k] !== v) changed = true;
      }
      return changed ? out : value;
    }
    case "union": {
      let out: unknown = value;
      for (const option of def.options as z.ZodType[]) out = walk(option, out, onSecret, next);
      return out;
    }
    case "intersection":
      return walk(def.right, walk(def.left, value, onSecret, next), onSecret, next);
    default:
      return value;
  }
}

/** The value with every field its schema marks `secret()` replaced by the marker (for storing and showing inputs). */
export function redactBySchema<T = unknown>(schema: z.ZodType, value: T): T {
  return walk(schema, value, () => REDACTED, 0) as T;
}

/**
 * Every secret value inside a value, as text: strings as they are, numbers and booleans as their
 * text, and every string leaf of a secret object. Feed them to `scrub()` for free text.
 */
export function secretValuesOf(schema: z.ZodType, value: unknown): string[] {
  const out: string[] = [];
  const collect = (v: unknown, depth = 0): void => {
    if (depth > MAX_DEPTH) return;
    if (typeof v === "string") {
      if (v) out.push(v);
    } else if (typeof v === "number" || typeof v === "bigint") out.push(String(v));
    else if (Array.isArray(v)) v.forEach((x) => collect(x, depth + 1));
    else if (isPlainObject(v)) Object.values(v).forEach((x) => collect(x, depth + 1));
  };
  walk(schema, value, (v) => {
    collect(v);
    return v;
  }, 0);
  return [...out, ...derivedSecrets(value, out)];
}

/** `user:password` as an HTTP client sends it (`Authorization: Basic …`): base64 with and without padding, and base64url. */
function basicAuthForms(user: string, password: string): string[] {
  const raw = Buffer.from(`${user}:${password}`, "utf8");
  const b64 = raw.toString("base64");
  return [b64, b64.replace(/=+$/, ""), raw.toString("base64url")];
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// Greedy up to the last "@" before the path: a password may hold an unencoded "@".
const URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/([^\s/?#"'<>]*)@/gi;

/**
 * The passwords inside `scheme://user:password@host` URLs anywhere in a text, as bare values: as
 * written, decoded, and the Basic-auth forms of the pair (an HTTP client sends URL credentials so).
 */
export function urlPasswords(text: string): string[] {
  const out: string[] = [];
  if (!text.includes("://")) return out;
  for (const m of text.matchAll(URL_USERINFO)) {
    const info = m[1]!;
    const colon = info.indexOf(":");
    if (colon < 0 || colon === info.length - 1) continue;
    const user = decoded(info.slice(0, colon));
    const password = info.slice(colon + 1);
    out.push(password, decoded(password), ...basicAuthForms(user, decoded(password)));
  }
  return out;
}

const USER_KEYS = ["username", "user", "userName", "login"];
const PASSWORD_KEYS = ["password", "pass", "passwd", "secret", "token"];
const SECRET_JSON_KEY = /key|secret|token|password|credential/i;

/**
 * Forms of secrets that text can carry without holding the secret itself, found in a config
 * section or an action input: base64 of `user:password` for every secret password next to a user
 * name (basicAuth, smtp, …), the password of every URL with credentials (secret or not), and the
 * key-like fields of a secret that is a JSON document (a service account's private key). Forms
 * shorter than MIN_SECRET_LENGTH are left out: they could not be searched for in text.
 */
export function derivedSecrets(value: unknown, secrets: readonly string[]): string[] {
  const known = new Set(secrets);
  const out = new Set<string>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (typeof v === "string") {
      for (const p of urlPasswords(v)) out.add(p);
      if (known.has(v) && v.trimStart().startsWith("{")) {
        try {
          const doc = JSON.parse(v) as unknown;
          if (isPlainObject(doc)) for (const [k, x] of Object.entries(doc)) if (typeof x === "string" && SECRET_JSON_KEY.test(k)) out.add(x);
        } catch {
          /* not JSON: the whole value is the secret */
        }
      }
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, depth + 1));
    else if (isPlainObject(v)) {
      const user = USER_KEYS.map((k) => v[k]).find((x): x is string => typeof x === "string" && x !== "");
      if (user !== undefined) {
        for (const k of PASSWORD_KEYS) {
          const password = v[k];
          if (typeof password === "string" && known.has(password)) basicAuthForms(user, password).forEach((f) => out.add(f));
        }
      }
      Object.values(v).forEach((x) => visit(x, depth + 1));
    }
  };
  visit(value, 0);
  return [...out].filter((s) => s.length >= MIN_SECRET_LENGTH && !known.has(s));
}
