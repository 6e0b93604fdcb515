// The only file that holds the token and talks to the provider (replace fetch with the provider's
// SDK here if it has one). Every failure is an UpstreamError in the provider's words, scrubbed by the
// portal's scrubber, so no probe, action or doctor can show the token.
import { parseDuration, UpstreamError, type TextScrubber } from "../plugin-api";
import type { __NAME__Config } from "./config";

export interface FailedJob {
  id: string;
  queue: string;
  failedAt: string;
  reason: string;
  attempts: number;
}

export class __NAME__Client {
  readonly #config: __NAME__Config;
  readonly #scrubber?: TextScrubber;

  /** `scrubber`: the portal's (setup and doctor hand it over); unit tests may leave it out. */
  constructor(config: __NAME__Config, scrubber?: TextScrubber) {
    this.#config = config;
    this.#scrubber = scrubber;
  }

  failedJobs(signal?: AbortSignal): Promise<{ jobs: FailedJob[] }> {
    return this.#call("GET", "/v1/jobs?state=failed", signal);
  }

  /** One job, or null when the provider does not know it. */
  async job(id: string, signal?: AbortSignal): Promise<(FailedJob & { state: string }) | null> {
    try {
      return await this.#call("GET", `/v1/jobs/${encodeURIComponent(id)}`, signal);
    } catch (err) {
      if (err instanceof UpstreamError && err.providerStatus === 404) return null;
      throw err;
    }
  }

  retry(id: string, signal?: AbortSignal): Promise<{ id: string; state: string }> {
    return this.#call("POST", `/v1/jobs/${encodeURIComponent(id)}/retry`, signal);
  }

  async #call<T>(method: string, path: string, signal?: AbortSignal): Promise<T> {
    const scrub = (text: string) => (this.#scrubber ? this.#scrubber.text(text) : text);
    const timeout = AbortSignal.timeout(parseDuration(this.#config.timeout));
    let res: Response;
    try {
      res = await fetch(new URL(path, this.#config.url), {
        method,
        headers: { authorization: `Bearer ${this.#config.token}`, accept: "application/json" },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      const timedOut = timeout.aborted;
      throw new UpstreamError(timedOut ? `${this.#config.url} did not answer within ${this.#config.timeout}` : `could not reach ${this.#config.url}: ${scrub(err instanceof Error ? err.message : String(err))}`, { timedOut });
    }
    const text = await res.text();
    if (!res.ok) {
      let words = text.slice(0, 300);
      try {
        words = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? words;
      } catch {
        /* not JSON: the text as it came */
      }
      throw new UpstreamError(`the provider answered ${res.status}: ${scrub(words)}`, { providerStatus: res.status });
    }
    return JSON.parse(text) as T;
  }
}
