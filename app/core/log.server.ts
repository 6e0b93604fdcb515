import pino from "pino";

export type Log = pino.Logger;

/** The one logger. Secret values found in config are scrubbed from every line. */
export function createLogger(secretValues: readonly string[] = [], level = process.env.LOG_LEVEL ?? "info"): Log {
  const secrets = secretValues.filter((s) => s.length >= 4);
  return pino({
    level,
    base: { app: "opsdeck" },
    redact: { paths: ["password", "*.password", "secretKey", "*.secretKey", "token", "*.token", "req.headers.authorization", "req.headers.cookie"], censor: "[redacted]" },
    hooks: {
      streamWrite(line) {
        let out = line;
        for (const s of secrets) out = out.split(s).join("[redacted]");
        return out;
      },
    },
  });
}
