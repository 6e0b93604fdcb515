import pino from "pino";
import { createScrubber } from "./secrets/index.server";

export type Log = pino.Logger;

/** The one logger. Every line goes through the one scrubber with the secret values found in config. */
export function createLogger(secretValues: readonly string[] = [], level = process.env.LOG_LEVEL ?? "info"): Log {
  const scrubber = createScrubber(secretValues);
  return pino({
    level,
    base: { app: "opsdeck" },
    redact: { paths: ["password", "*.password", "secretKey", "*.secretKey", "token", "*.token", "req.headers.authorization", "req.headers.cookie"], censor: "[redacted]" },
    hooks: {
      streamWrite: (line) => scrubber.text(line),
    },
  });
}
