// Part of the plugin API (re-exported by plugins/plugin-api.ts): marking config fields as secret.
import type { z } from "zod";

// Marked by definition, not instance: `.describe()` and `.meta()` return a clone sharing the
// definition, and a documented secret must stay a secret.
const secretDefs = new WeakSet<object>();
const defOf = (schema: z.ZodType): object => (schema as unknown as { _zod: { def: object } })._zod.def;

/** Marks a config field as secret: it is redacted from loaders, logs, errors and audit. */
export function secret<T extends z.ZodType>(schema: T): T {
  secretDefs.add(defOf(schema));
  return schema;
}

export function isSecretSchema(schema: z.ZodType): boolean {
  return secretDefs.has(defOf(schema));
}
