// The ping intake (`cron.pings`): token check in constant time, input validation, run recording.
import crypto from "node:crypto";
import type { TextScrubber } from "../plugin-api";
import type { CronPingService, RegisteredCronJob, CronJobReporter } from "./api";
import type { CronConfig } from "./config";
import type { CronStore } from "./store";

const RID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type PingKind = { kind: "start" } | { kind: "end"; outcome: "success" | "fail"; exitStatus: number | null };

/** start | success | fail | an exit status 0–255 (healthchecks.io semantics: 0 is success). Empty = success. */
export function parsePingKind(text: string): PingKind | { error: string } {
  const k = text.trim().toLowerCase();
  if (k === "start") return { kind: "start" };
  if (k === "" || k === "success") return { kind: "end", outcome: "success", exitStatus: 0 };
  if (k === "fail") return { kind: "end", outcome: "fail", exitStatus: null };
  if (/^\d{1,10}$/.test(k)) {
    const n = Number(k);
    if (n > 255) return { error: `exit status ${n} is out of range: use 0–255` };
    return { kind: "end", outcome: n === 0 ? "success" : "fail", exitStatus: n };
  }
  return { error: `"${text.slice(0, 40)}" is not a ping: use start, success, fail or an exit status 0–255` };
}

/** Compares in constant time (over SHA-256 digests, so the length does not leak either). */
export function tokenMatches(given: string, expected: string): boolean {
  const a = crypto.createHash("sha256").update(given).digest();
  let b = expectedDigests.get(expected);
  if (!b) {
    b = crypto.createHash("sha256").update(expected).digest();
    if (expectedDigests.size >= 1_000) expectedDigests.clear();
    expectedDigests.set(expected, b);
  }
  return crypto.timingSafeEqual(a, b);
}

/** The configured tokens' digests, made once (a busy job pings many times a second). */
const expectedDigests = new Map<string, Buffer>();

/** Cuts a string to at most `bytes` UTF-8 bytes without splitting a character (`cut`: it was cut before). */
export function capBytes(text: string, bytes: number, cut = false): string {
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= bytes) return cut ? `${text}\n… (truncated)` : text;
  return buf.subarray(0, bytes).toString("utf8").replace(/\uFFFD$/, "") + "\n… (truncated)";
}

/**
 * What a job or endpoint sent us, as the run's excerpt: scrubbed by the portal's scrubber (every
 * secret of the portal, not only cron's: a job may print any of them). A body cut at the cap may
 * end in the first characters of a secret; that trailing start is scrubbed too.
 */
export function excerptOf(body: string, max: number, scrubber: TextScrubber): string {
  const cut = Buffer.byteLength(body) > max;
  // Scrubbed after the cut, so a "[redacted]" may run a few bytes past the cap rather than be cut.
  return cut ? `${scrubber.cut(Buffer.from(body).subarray(0, max).toString("utf8").replace(/\uFFFD$/, ""))}\n… (truncated)` : scrubber.text(body);
}

export function createPingService(opts: {
  config: CronConfig;
  store: CronStore;
  scrubber: TextScrubber;
  now(): number;
  describe(job: string): Promise<Record<string, unknown> | null>;
  onPing?(job: string): void;
  /** Jobs other plugins registered (they report in-process, so HTTP pings for them are refused). */
  registered?: Set<string>;
  register?(job: RegisteredCronJob): CronJobReporter;
}): CronPingService {
  const { config, store, scrubber } = opts;
  return {
    maxBodyBytes: config.excerptBytes,
    describe: opts.describe,
    register(job) {
      if (!opts.register) throw new Error("this cron service does not take registrations");
      return opts.register(job);
    },
    async ping(req) {
      const job = config.jobs[req.job];
      if (!job) return { status: 404, body: { error: `no cron job named "${req.job.slice(0, 80)}"` } };
      if (opts.registered?.has(req.job)) return { status: 409, body: { error: `"${req.job}" is run and reported by a plugin of the portal itself; it takes no pings` } };
      const expected = job.pingToken ?? config.pingToken;
      if (!expected) {
        return { status: 403, body: { error: `pings are not enabled for "${req.job}": set plugins.cron.jobs.${req.job}.pingToken (or plugins.cron.pingToken)` } };
      }
      if (!req.token || !tokenMatches(req.token, expected)) return { status: 401, body: { error: "wrong or missing ping token" } };
      const kind = parsePingKind(req.kind);
      if ("error" in kind) return { status: 400, body: { error: kind.error, fieldErrors: { kind: [kind.error] } } };
      if (req.rid !== null && !RID.test(req.rid)) {
        const msg = "rid must be a UUID (e.g. from uuidgen)";
        return { status: 400, body: { error: msg, fieldErrors: { rid: [msg] } } };
      }
      const excerpt = req.body ? excerptOf(req.body, config.excerptBytes, scrubber) || null : null;
      const at = opts.now();
      if (kind.kind === "start") {
        const run = await store.start(req.job, at, req.rid, excerpt);
        opts.onPing?.(req.job);
        return { status: 200, body: { ok: true, job: req.job, run: run.id, ping: "start" } };
      }
      const { run, paired } = await store.end(req.job, at, { outcome: kind.outcome, exitStatus: kind.exitStatus, excerpt, source: "ping", rid: req.rid });
      opts.onPing?.(req.job);
      return {
        status: 200,
        body: { ok: true, job: req.job, run: run.id, ping: kind.outcome, exitStatus: kind.exitStatus, durationMs: run.durationMs, paired },
      };
    },
  };
}
