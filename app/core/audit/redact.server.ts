import type { z } from "zod";
import { isSecretSchema } from "../../../plugins/plugin-api";

export const REDACTED = "[redacted]";

type Visitor = (schema: z.ZodType, value: unknown) => unknown;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** Walks a value along its zod schema, letting `onSecret` replace each value the schema marks `secret()`. */
function walk(schema: z.ZodType | undefined, value: unknown, onSecret: Visitor): unknown {
  if (!schema || value === undefined || value === null) return value;
  if (isSecretSchema(schema)) return onSecret(schema, value);
  const def = (schema as any)._zod?.def;
  if (!def) return value;
  switch (def.type) {
    case "object": {
      if (!isPlainObject(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk((def.shape as Record<string, z.ZodType>)[k] ?? def.catchall, v, onSecret);
      return out;
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return walk(def.innerType, value, onSecret);
    case "array":
      return Array.isArray(value) ? value.map((v) => walk(def.element, v, onSecret)) : value;
    case "record":
      if (!isPlainObject(value)) return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(def.valueType, v, onSecret)]));
    case "union": {
      // A secret inside any option redacts the value: safer to over-redact than to leak.
      let out: unknown = value;
      for (const option of def.options) {
        const next = walk(option, out, onSecret);
        if (next !== out) out = next;
      }
      return out;
    }
    case "pipe":
      return walk(def.in, value, onSecret);
    case "lazy":
      return walk(def.getter(), value, onSecret);
    default:
      return value;
  }
}

/** The input with every field its schema marks `secret()` replaced by a marker. */
export function redactBySchema(schema: z.ZodType, value: unknown): unknown {
  return walk(schema, value, () => REDACTED);
}

/** The secret values inside an input (to scrub from logs and results of the same run). */
export function secretValuesOf(schema: z.ZodType, value: unknown): string[] {
  const out: string[] = [];
  walk(schema, value, (_s, v) => {
    if (typeof v === "string" && v.length >= 4) out.push(v);
    else if (typeof v === "number") out.push(String(v));
    return v;
  });
  return out;
}

/** Replaces every known secret value inside any string of a JSON-like value. */
export function scrubDeep<T>(value: T, secrets: readonly string[]): T {
  const list = secrets.filter((s) => s && s.length >= 4);
  if (!list.length) return value;
  const visit = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") {
      let out = v;
      for (const s of list) if (out.includes(s)) out = out.split(s).join(REDACTED);
      return out;
    }
    if (depth > 50) return "[too deep]";
    if (Array.isArray(v)) return v.map((x) => visit(x, depth + 1));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[visit(k, depth + 1) as string] = visit(x, depth + 1);
      return out;
    }
    return v;
  };
  return visit(value, 0) as T;
}

export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4 && out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}
