/** A channel refused or failed a delivery: `message` is the provider's own words. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    /** The provider said when to try again (Slack's Retry-After, a 429's header). */
    readonly retryAfterMs?: number,
    /** Retrying will not help (a bad token, a 400): fail now. */
    readonly permanent = false,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

/** A Retry-After header (seconds or an HTTP date) in ms. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
