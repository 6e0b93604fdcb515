import type { z } from "zod";
import { isSecretSchema } from "../../../plugins/plugin-api";
import { REDACTED } from "./scrub.server";

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
  return out;
}
