import { z } from "zod";

/**
 * No eval in the browser: the Content-Security-Policy forbids it, and zod's probe for it (a caught
 * `new Function` when the first object schema is built) is still reported as a violation. Called
 * by root.tsx as it loads: the browser evaluates root before any route module, where schemas are
 * built. The server keeps zod's compiled parsers.
 */
export function configureZodWithoutEval(): void {
  if (typeof document !== "undefined") z.config({ jitless: true });
}
