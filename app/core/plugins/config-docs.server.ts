// The config key tables of docs/plugins/<id>.md, generated from each plugin's zod schema and its
// `.describe()` texts, so that a key cannot be added without saying what it means.
import type { z } from "zod";
import { DurationSchema, isSecretSchema } from "../../../plugins/plugin-api";

export interface ConfigKeyDoc {
  key: string;
  type: string;
  required: boolean;
  default?: string;
  secret: boolean;
  description?: string;
}

type Def = { type: string; [k: string]: any };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Wrappers that say something about a key (optional, default, secret, its text) around its real type. */
function unwrap(schema: z.ZodType) {
  let s = schema;
  let required = true;
  let secret = false;
  let description: string | undefined;
  let dflt: unknown;
  let hasDefault = false;
  for (let i = 0; i < 20; i++) {
    if (isSecretSchema(s)) secret = true;
    description ??= (s as { description?: string }).description;
    const d = defOf(s);
    if (d.type === "optional" || d.type === "nullable" || d.type === "readonly" || d.type === "catch" || d.type === "nonoptional") {
      if (d.type === "optional") required = false;
      s = d.innerType;
    } else if (d.type === "default" || d.type === "prefault") {
      required = false;
      hasDefault = true;
      try {
        dflt = typeof d.defaultValue === "function" ? d.defaultValue() : d.defaultValue;
      } catch {
        dflt = undefined;
      }
      s = d.innerType;
    } else if (d.type === "pipe") {
      s = d.in;
    } else if (d.type === "lazy") {
      s = d.getter();
    } else break;
  }
  return { inner: s, required, secret, description, dflt, hasDefault };
}

function typeName(s: z.ZodType): string {
  const d = defOf(s);
  if (d === defOf(DurationSchema)) return "duration";
  switch (d.type) {
    case "enum":
      return Object.values(d.entries as Record<string, string>)
        .map((v) => JSON.stringify(v))
        .join(" \\| ");
    case "literal":
      return (d.values as unknown[]).map((v) => JSON.stringify(v)).join(" \\| ");
    case "array":
      return `${typeName(unwrap(d.element).inner)}[]`;
    case "record":
      return `map of ${typeName(unwrap(d.valueType).inner)}`;
    case "union":
      return [...new Set((d.options as z.ZodType[]).map((o) => typeName(unwrap(o).inner)))].join(" \\| ");
    default:
      return d.type;
  }
}

function formatDefault(v: unknown): string {
  if (v === undefined) return "";
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Every key of a config schema, depth first, with `<name>` for map keys and `[]` for list items. */
export function configKeys(schema: z.ZodType, prefix = ""): ConfigKeyDoc[] {
  const out: ConfigKeyDoc[] = [];
  const walk = (s: z.ZodType, path: string, self: boolean) => {
    const u = unwrap(s);
    const d = defOf(u.inner);
    if (self) {
      out.push({
        key: path,
        type: typeName(u.inner),
        required: u.required,
        default: u.hasDefault ? formatDefault(u.dflt) : undefined,
        // A map or list whose values are secrets (http's headers) is a secret as a whole.
        secret: u.secret || (d.type === "record" && unwrap(d.valueType).secret) || (d.type === "array" && unwrap(d.element).secret),
        description: u.description,
      });
    }
    if (d.type === "object") {
      for (const [k, v] of Object.entries(d.shape as Record<string, z.ZodType>)) walk(v, path ? `${path}.${k}` : k, true);
    } else if (d.type === "record") {
      walkChildren(d.valueType, `${path}.<name>`);
    } else if (d.type === "array") {
      walkChildren(d.element, `${path}[]`);
    } else if (d.type === "union") {
      // One row per key across the options: its types joined, required only when every option
      // requires it, the first text found.
      const objects = (d.options as z.ZodType[]).map((o) => defOf(unwrap(o).inner)).filter((od) => od.type === "object");
      const rows = new Map<string, ConfigKeyDoc>();
      const counts = new Map<string, number>();
      for (const od of objects) {
        for (const [k, v] of Object.entries(od.shape as Record<string, z.ZodType>)) {
          const key = path ? `${path}.${k}` : k;
          const before = out.length;
          walk(v, key, true);
          const [row, ...children] = out.splice(before);
          counts.set(key, (counts.get(key) ?? 0) + 1);
          const seen = rows.get(key);
          if (!seen) {
            rows.set(key, row!);
            out.push(row!, ...children);
            continue;
          }
          const types = new Set([...seen.type.split(" \\| "), ...row!.type.split(" \\| ")]);
          seen.type = [...types].join(" \\| ");
          seen.required &&= row!.required;
          seen.secret ||= row!.secret;
          seen.description ??= row!.description;
          seen.default ??= row!.default;
        }
      }
      for (const [key, n] of counts) if (n < objects.length) rows.get(key)!.required = false;
    }
  };
  const walkChildren = (s: z.ZodType, path: string) => {
    const d = defOf(unwrap(s).inner);
    if (d.type === "object" || d.type === "record" || d.type === "array" || d.type === "union") walk(s, path, false);
  };
  walk(schema, prefix, false);
  return out;
}

/** Keys that say nothing about themselves: the docs drift check fails on them. */
export function undocumentedKeys(keys: readonly ConfigKeyDoc[]): string[] {
  return keys.filter((k) => !k.description?.trim()).map((k) => k.key);
}

// A `<site>` in a text would be read as an HTML tag and vanish from the rendered page.
const cell = (t: string) => t.replace(/\|/g, "\\|").replace(/\n+/g, " ").replace(/<(?=[A-Za-z/!])/g, "&lt;");

export function renderKeyTable(keys: readonly ConfigKeyDoc[]): string {
  const lines = ["| key | type | default | meaning |", "|---|---|---|---|"];
  for (const k of keys) {
    const flags = [k.required ? "required" : "", k.secret ? "secret" : ""].filter(Boolean).join(", ");
    const type = `${k.type}${flags ? ` (${flags})` : ""}`;
    lines.push(`| \`${k.key}\` | ${type} | ${k.default ? `\`${cell(k.default)}\`` : ""} | ${cell(k.description ?? "")} |`);
  }
  return lines.join("\n");
}

export const TABLE_START = "<!-- config-keys:start (generated by `npm run docs:plugins`; edit the schema's .describe() texts) -->";
export const TABLE_END = "<!-- config-keys:end -->";

/** The docs page with its key table replaced by the one the schema gives. */
export function withKeyTable(page: string, table: string): string {
  const start = page.indexOf(TABLE_START);
  const end = page.indexOf(TABLE_END);
  const block = `${TABLE_START}\n${table}\n${TABLE_END}`;
  if (start < 0 || end < start) return `${page.trimEnd()}\n\n## Configuration keys\n\n${block}\n`;
  return page.slice(0, start) + block + page.slice(end + TABLE_END.length);
}
