import type { Portal } from "../portal.server";
import { audit } from "./audit.server";
import type { AuditInput } from "./chain.server";

/** Per address and minute, this many anonymous refusals are audited one by one; the rest are counted in one entry. */
export const ANONYMOUS_DENIALS_PER_MINUTE = 10;
const WINDOW_MS = 60_000;
const MAX_ADDRESSES = 10_000;

type Window = { start: number; count: number };
const windows = new WeakMap<object, Map<string, Window>>();

/**
 * Audits a refusal of a request nobody signed in for, rate-limited per client address so that an
 * anonymous flood cannot grow the log without bound: the first ANONYMOUS_DENIALS_PER_MINUTE per
 * minute are written, the next one writes a single "rate_limited" entry saying further denials
 * from that address are counted, not written, until the minute is over.
 */
export async function auditAnonymousDenial(portal: Portal, address: string, entry: Omit<AuditInput, "actor" | "roles">): Promise<void> {
  let map = windows.get(portal.store);
  if (!map) windows.set(portal.store, (map = new Map()));
  const now = Date.now();
  const key = address.slice(0, 100) || "unknown";
  let w = map.get(key);
  if (!w || now - w.start >= WINDOW_MS) {
    if (map.size >= MAX_ADDRESSES) for (const [k, v] of map) if (now - v.start >= WINDOW_MS) map.delete(k);
    w = { start: now, count: 0 };
    map.set(key, w);
  }
  w.count++;
  const details = { ...(entry.details ?? {}), address: key, via: "anonymous" };
  if (w.count <= ANONYMOUS_DENIALS_PER_MINUTE) {
    await audit(portal, { ...entry, actor: "anonymous", roles: [], details });
  } else if (w.count === ANONYMOUS_DENIALS_PER_MINUTE + 1) {
    await audit(portal, {
      ...entry,
      actor: "anonymous",
      roles: [],
      outcome: "rate_limited",
      details: { ...details, reason: `more than ${ANONYMOUS_DENIALS_PER_MINUTE} anonymous refusals from ${key} this minute: the rest of this minute's are not written one by one` },
    });
  }
}
