import pino from "pino";
import { createScrubber } from "./secrets/index.server";

export type Log = pino.Logger;

/** The one logger. Every line goes through the one scrubber with the secret values found in config. */
export function createLogger(secretValues: readonly string[] = [], level = process.env.LOG_LEVEL ?? "info"): Log {
  // The list grows once at boot (secrets of the demo sandboxes): recompile when it does.
  let known = secretValues.length;
  let compiled = createScrubber(secretValues);
  const scrubber = {
    text(line: string) {
      if (secretValues.length !== known) {
        known = secretValues.length;
        compiled = createScrubber(secretValues);
      }
      return compiled.text(line);
    },
  };
  return pino({
    level,
    base: { app: "opsdeck" },
    redact: { paths: ["password", "*.password", "secretKey", "*.secretKey", "token", "*.token", "req.headers.authorization", "req.headers.cookie"], censor: "[redacted]" },
    hooks: {
      streamWrite: (line) => scrubber.text(line),
    },
  });
}
