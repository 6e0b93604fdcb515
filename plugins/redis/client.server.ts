import { Redis } from "ioredis";
import { parseDuration, UpstreamError, type Logger, type TextScrubber } from "../plugin-api";
import type { RedisConfig } from "./config";
import { connectionScrubber, describeServer } from "./scrub";

/**
 * The only holder of ioredis and the connection URL. A command never waits on a dead or hung
 * server: no offline queue, no retries per request, a command timeout, and no background
 * reconnect loop — the next read or action connects again, bounded by the connect timeout.
 */
export interface RedisClient {
  /** `redis://host:port db N`: safe to show (no user, no password). */
  readonly server: string;
  readonly db: number;
  /** Removes the URL and its password from a text. */
  scrub(text: string): string;
  /** A ready connection, or an error in the operator's words (scrubbed). */
  use(signal?: AbortSignal): Promise<Redis>;
  /** Turns any error from a command into a scrubbed Error with an operator's message. */
  explain(err: unknown): Error;
  /** Connection errors seen since start (for the connection-errors probe). */
  connectionErrors(): number;
  close(): Promise<void>;
}

/** Redis cannot be reached or refused us (the family's `UpstreamError`; Redis has no HTTP status). */
export class RedisUnavailableError extends UpstreamError {}

const AUTH_ERROR = /WRONGPASS|NOAUTH|invalid password|invalid username-password|user is disabled|NOPERM/i;

/** `options.scrubber`: the portal's (the setup and doctor contexts hand it over); unit tests may leave it out. */
export function createRedisClient(config: RedisConfig, log: Logger, options: { unavailable?: string; scrubber?: TextScrubber } = {}): RedisClient {
  const scrub = connectionScrubber(options.scrubber);
  const dbFromUrl = Number(new URL(config.url).pathname.replace(/^\//, "")) || 0;
  const db = config.db ?? dbFromUrl;
  const server = describeServer(config.url, db);
  const connectMs = parseDuration(config.timeouts.connect);
  const commandMs = parseDuration(config.timeouts.command);
  let lastError: string | null = null;
  let errors = 0;

  const explain = (err: unknown): Error => {
    const raw = err instanceof Error ? err.message : String(err);
    const msg = scrub(raw);
    if (AUTH_ERROR.test(raw)) return new Error(`authentication failed at ${server}: ${msg.replace(/^Ready check failed: /, "")}`);
    if (/Command timed out/i.test(raw)) return new Error(`${server} did not answer within ${config.timeouts.command} (command timeout)`);
    if (/ECONNREFUSED/.test(raw)) return new Error(`${server} refused the connection (is redis-server running?)`);
    if (/ENOTFOUND|EAI_AGAIN/.test(raw)) return new Error(`${server}: host not found`);
    if (/connect ETIMEDOUT|connect timeout/i.test(raw)) return new Error(`${server} did not accept a connection within ${config.timeouts.connect}`);
    if (/Stream isn't writeable|Connection is closed/i.test(raw)) return new Error(`${server}: not connected${lastError ? ` (last error: ${lastError})` : ""}`);
    return new Error(`${server}: ${msg}`);
  };

  if (options.unavailable) {
    const notice = options.unavailable;
    return {
      server,
      db,
      scrub,
      explain,
      async use() {
        throw new RedisUnavailableError(notice);
      },
      connectionErrors: () => 0,
      async close() {},
    };
  }

  const tls = new URL(config.url).protocol === "rediss:";
  const redis = new Redis(config.url, {
    db,
    // rediss:// (Upstash and other managed Redis): TLS with the host name checked, whatever the URL's case.
    ...(tls ? { tls: { servername: new URL(config.url).hostname } } : {}),
    lazyConnect: true,
    connectTimeout: connectMs,
    commandTimeout: commandMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    autoResubscribe: false,
    connectionName: "opsdeck",
    disableClientInfo: true,
    // No reconnect loop: a wrong password or a hung server is not hammered; use() reconnects on demand.
    retryStrategy: () => null,
    reconnectOnError: () => false,
  });
  redis.on("error", (err: Error) => {
    errors++;
    const e = explain(err);
    if (e.message !== lastError) log.warn({ server, error: e.message }, "redis: connection error");
    lastError = e.message;
  });
  redis.on("ready", () => {
    lastError = null;
  });

  let connecting: Promise<Redis> | null = null;
  const connect = (): Promise<Redis> => {
    if (redis.status === "ready") return Promise.resolve(redis);
    if (connecting) return connecting;
    connecting = new Promise<Redis>((resolve, reject) => {
      // Handshake: TCP connect, AUTH, SELECT and the ready check, each bounded by the timeouts above.
      const deadline = setTimeout(() => finish(new Error(`${server} did not complete the handshake within ${formatMs(connectMs + commandMs)}${lastError ? ` (${lastError})` : ""}`)), connectMs + commandMs + 250);
      const onReady = () => finish(null);
      const onEnd = () => finish(new Error(lastError ?? `${server}: connection closed during the handshake`));
      const finish = (err: Error | null) => {
        clearTimeout(deadline);
        redis.off("ready", onReady);
        redis.off("end", onEnd);
        connecting = null;
        if (err) {
          if (redis.status !== "end") redis.disconnect(false);
          reject(err.message.startsWith("authentication failed") || err.message.includes(server) ? err : explain(err));
        } else resolve(redis);
      };
      redis.once("ready", onReady);
      redis.once("end", onEnd);
      if (redis.status === "wait" || redis.status === "end" || redis.status === "close") redis.connect().catch(() => {});
    });
    return connecting;
  };

  return {
    server,
    db,
    scrub,
    explain,
    async use(signal?: AbortSignal) {
      if (signal?.aborted) throw explain(signal.reason ?? new Error("aborted"));
      if (redis.status === "ready") return redis;
      if (!signal) return connect();
      return await new Promise<Redis>((resolve, reject) => {
        const onAbort = () => reject(new Error(`${server}: gave up waiting for a connection (${signal.reason instanceof Error ? scrub(signal.reason.message) : "aborted"})`));
        signal.addEventListener("abort", onAbort, { once: true });
        connect().then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
      });
    },
    connectionErrors: () => errors,
    async close() {
      redis.disconnect(false);
    },
  };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`;
}
