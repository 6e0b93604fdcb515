import crypto from "node:crypto";

/** A random id (96 bits, URL-safe) with an optional prefix such as `run_`. */
export function newId(prefix = ""): string {
  return prefix + crypto.randomBytes(12).toString("base64url");
}
