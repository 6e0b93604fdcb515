import type { Portal } from "../portal.server";
import type { AuditInput } from "./chain.server";
import { auditRefusal, type RefusalBudget } from "./refusal-budget.server";

/** Per address and minute, this many anonymous refusals are audited one by one; the rest are counted in one entry. */
export const ANONYMOUS_DENIALS_PER_MINUTE = 10;
const ANONYMOUS_REFUSALS: RefusalBudget = { perWindow: ANONYMOUS_DENIALS_PER_MINUTE, windowMs: 60_000 };

/**
 * Audits a refusal of a request nobody signed in for, within the budget of its client address
 * (refusal-budget.server.ts): an anonymous flood cannot grow the log without bound.
 */
export async function auditAnonymousDenial(portal: Portal, address: string, entry: Omit<AuditInput, "actor" | "roles">): Promise<void> {
  const key = address.slice(0, 100) || "unknown";
  await auditRefusal(portal, key, ANONYMOUS_REFUSALS, { ...entry, actor: "anonymous", roles: [], details: { ...(entry.details ?? {}), address: key, via: "anonymous" } });
}
