import { scrub } from "../secrets/index.server";
import type { Portal } from "../portal.server";
import { actionMetrics } from "../actions/metrics.server";
import { appendAudit, type AuditEntry, type AuditInput, type Db } from "./chain.server";
import { coverWithCheckpoint } from "./checkpoint-writer.server";

/**
 * Every audit entry goes through here: config secrets (and `extraSecrets`) are scrubbed from every
 * string, `within` commits or rolls back together with the entry, and the call returns only once
 * a signed checkpoint covers the entry (group commit), so whatever the caller answers or starts
 * next can never be cut off the end of the log unnoticed.
 */
export async function audit(portal: Portal, input: AuditInput, within?: (db: Db) => Promise<void>, extraSecrets: readonly string[] = []): Promise<AuditEntry> {
  let entry: AuditEntry;
  try {
    entry = await appendAudit(portal.store, input, { secrets: [...portal.config.secretValues, ...extraSecrets], within: within ? (db) => within(db) : undefined });
    actionMetrics().outcomes.inc({ action: input.action.slice(0, 100), outcome: input.outcome });
  } catch (err) {
    if (!(err instanceof Conflict)) {
      actionMetrics().auditFailures.inc();
      portal.log.error({ err: errorText(err, portal.config.secretValues), action: input.action, outcome: input.outcome }, "audit write failed");
    }
    throw err;
  }
  try {
    await coverWithCheckpoint(portal, entry);
  } catch (err) {
    actionMetrics().auditFailures.inc();
    portal.log.error({ err: errorText(err, portal.config.secretValues), seq: entry.seq }, "audit checkpoint write failed");
    throw new CheckpointFailure(`the audit entry ${entry.seq} is written but no signed checkpoint covers it: ${errorText(err)}`);
  }
  return entry;
}

/** Thrown inside an audit transaction when the state changed underneath: rolls the entry back. */
export class Conflict extends Error {}

/** The entry is in the chain but could not be covered by a checkpoint: callers fail closed (503). */
export class CheckpointFailure extends Error {}

export function errorText(err: unknown, secrets: readonly string[] = []): string {
  const text = err instanceof Error ? err.message : String(err);
  return scrub(text, secrets).slice(0, 2000);
}
