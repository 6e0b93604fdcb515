import { ApiError, Environment, LogLevel, Paddle } from "@paddle/paddle-node-sdk";
import type { PaddleConfig } from "./config";

/** The one place that holds the SDK and the key. A URL as `environment` is the SDK's base URL (a local sandbox). */
export function createPaddle(config: Pick<PaddleConfig, "apiKey" | "environment">): Paddle {
  const environment = config.environment === "sandbox" ? Environment.sandbox : config.environment === "production" ? Environment.production : (config.environment.replace(/\/+$/, "") as Environment);
  return new Paddle(config.apiKey, { environment, logLevel: LogLevel.none });
}

const AUTH_CODES = new Set(["invalid_token", "authentication_missing", "authentication_malformed", "forbidden"]);

/** Paddle's own words for a failed call, never the key: "authentication failed: Invalid or revoked API key. (invalid_token)". */
export function describePaddleError(err: unknown): string {
  if (err instanceof ApiError) {
    const what = `${err.detail ?? err.message} (${err.code})`;
    return AUTH_CODES.has(err.code) ? `authentication failed: ${what}` : `Paddle answered: ${what}`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return `Paddle is not reachable: ${msg}`;
}

export function isPaddleError(err: unknown, ...codes: string[]): err is ApiError {
  return err instanceof ApiError && (codes.length === 0 || codes.includes(err.code));
}
