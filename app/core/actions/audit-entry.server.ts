import { appendAudit, type AuditInput, type Db } from "../audit/chain.server";
import { scrubDeep } from "../audit/redact.server";
import type { Portal } from "../portal.server";
import { actionMetrics } from "./metrics.server";

/** Every audit entry goes through here: config secrets are scrubbed from every string. */
export async function audit(portal: Portal, input: AuditInput, within?: (db: Db) => Promise<void>, extraSecrets: readonly string[] = []): Promise<void> {
  try {
    await appendAudit(portal.store, input, { secrets: [...portal.config.secretValues, ...extraSecrets], within: within ? (db) => within(db) : undefined });
    actionMetrics().outcomes.inc({ action: input.action.slice(0, 100), outcome: input.outcome });
  } catch (err) {
    if (!(err instanceof Conflict)) {
      actionMetrics().auditFailures.inc();
      portal.log.error({ err: errorText(err, portal.config.secretValues), action: input.action, outcome: input.outcome }, "audit write failed");
    }
    throw err;
  }
}

/** Thrown inside an audit transaction when the state changed underneath: rolls the entry back. */
export class Conflict extends Error {}

export function errorText(err: unknown, secrets: readonly string[] = []): string {
  const text = err instanceof Error ? err.message : String(err);
  return scrubDeep(text, secrets).slice(0, 2000);
}

