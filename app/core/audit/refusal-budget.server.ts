import type { Portal } from "../portal.server";
import { audit } from "./audit.server";
import type { AuditInput } from "./chain.server";

/** How many refusals a principal may have audited one by one in each window. */
export interface RefusalBudget {
  perWindow: number;
  windowMs: number;
}

/** Signed-in users and API tokens: 100 refusals audited one by one per 10 minutes. */
export const SIGNED_IN_REFUSALS: RefusalBudget = { perWindow: 100, windowMs: 10 * 60_000 };
const MAX_PRINCIPALS = 10_000;

interface Window {
  start: number;
  count: number;
  /** Refusals answered but not written, not yet in a summary. */
  suppressed: number;
  /** The entry the summary repeats (the notice's action and target). */
  label: Pick<AuditInput, "actor" | "roles" | "action" | "target"> & { details: Record<string, unknown> };
  timer: NodeJS.Timeout | null;
}

const windows = new WeakMap<object, Map<string, Window>>();

export type RefusalVerdict = "audited" | "suppressed";

/**
 * Audits a refusal within the principal's budget (`key`: an address, `user:<name>` or
 * `token:<id>`), so that a flood of refused requests cannot grow the log and fsync a checkpoint
 * for each. The first `perWindow` refusals of a window are written one by one; the next writes a
 * `rate_limited` notice; the rest are counted, and the count is written as one `rate_limited`
 * summary entry (how many, from when to when) when the window ends. Answers whether this refusal
 * was written; throws when the audit log cannot be written.
 */
export async function auditRefusal(portal: Portal, key: string, budget: RefusalBudget, entry: AuditInput): Promise<RefusalVerdict> {
  let map = windows.get(portal.store);
  if (!map) windows.set(portal.store, (map = new Map()));
  const now = Date.now();
  const id = key.slice(0, 200) || "unknown";
  let w = map.get(id);
  if (w && now - w.start >= budget.windowMs) {
    // The window is over: its summary first (the timer may not have run yet), then a fresh one.
    await closeWindow(portal, map, id, w);
    w = undefined;
  }
  if (!w) {
    if (map.size >= MAX_PRINCIPALS) for (const [k, v] of map) if (now - v.start >= budget.windowMs && !v.suppressed) map.delete(k);
    w = { start: now, count: 0, suppressed: 0, label: labelOf(entry, id), timer: null };
    map.set(id, w);
  }
  w.count++;
  if (w.count <= budget.perWindow) {
    await audit(portal, entry);
    return "audited";
  }
  if (w.count === budget.perWindow + 1) {
    w.label = labelOf(entry, id);
    const open = w;
    open.timer = setTimeout(() => void closeWindow(portal, map!, id, open), Math.max(0, open.start + budget.windowMs - now));
    open.timer.unref();
    const minutes = budget.windowMs / 60_000;
    await audit(portal, {
      ...entry,
      outcome: "rate_limited",
      details: {
        ...(entry.details ?? {}),
        principal: id,
        reason: `more than ${budget.perWindow} refusals for ${id} within ${minutes >= 1 ? `${minutes} minute${minutes === 1 ? "" : "s"}` : `${budget.windowMs} ms`}: the rest of this window's are counted, not written one by one; a summary entry says how many`,
      },
    });
    return "audited";
  }
  w.suppressed++;
  return "suppressed";
}

/** Seconds until the principal's refusals are written one by one again (for Retry-After). */
export function refusalRetryAfter(portal: Portal, key: string, budget: RefusalBudget): number {
  const w = windows.get(portal.store)?.get(key.slice(0, 200) || "unknown");
  return w ? Math.max(1, Math.ceil((w.start + budget.windowMs - Date.now()) / 1000)) : 0;
}

/** Writes every pending summary now and starts fresh windows (the window's timer does it otherwise). */
export async function flushRefusalSummaries(portal: Portal): Promise<void> {
  const map = windows.get(portal.store);
  if (!map) return;
  for (const [id, w] of [...map]) await closeWindow(portal, map, id, w);
}

async function closeWindow(portal: Portal, map: Map<string, Window>, id: string, w: Window): Promise<void> {
  if (w.timer) clearTimeout(w.timer);
  w.timer = null;
  if (map.get(id) === w) map.delete(id);
  if (w.suppressed === 0) return;
  const count = w.suppressed;
  w.suppressed = 0;
  const from = new Date(w.start).toISOString();
  const until = new Date().toISOString();
  try {
    await audit(portal, {
      ...w.label,
      outcome: "rate_limited",
      details: {
        ...w.label.details,
        summary: true,
        suppressed: count,
        from,
        until,
        reason: `${count} further refusal${count === 1 ? "" : "s"} for ${id} between ${from} and ${until} ${count === 1 ? "was" : "were"} answered but not written one by one`,
      },
    });
  } catch (err) {
    portal.log.error({ err: err instanceof Error ? err.message : String(err), principal: id, suppressed: count }, "the summary of suppressed refusals could not be written to the audit log");
  }
}

function labelOf(entry: AuditInput, id: string): Window["label"] {
  const via = entry.details?.via;
  return { actor: entry.actor, roles: entry.roles, action: entry.action, target: entry.target, details: { principal: id, ...(via ? { via } : {}) } };
}

/** The budget key of a signed-in principal: each API token has its own, a session counts as its user. */
export function principalKey(user: { username: string; via: string }): string {
  return user.via.startsWith("token ") ? `token:${user.via.slice(6)}` : `user:${user.username}`;
}
