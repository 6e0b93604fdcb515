// Live mentions: a Firestore document path named in a runbook shows its fields, read by any
// signed-in person (viewers included: it is a read) and audited like every other live read.
import type { User } from "../auth.server";
import { audit, errorText } from "../audit/audit.server";
import type { AuditInput } from "../audit/chain.server";
import type { Portal } from "../portal.server";
import { scrub } from "../secrets/index.server";
import { LiveCheckRefused, readDocumentMention } from "./live-page.server";

/** Audit action of a document read from a runbook page. */
export const READ_DOCUMENT_AUDIT = "firestore.read-document";

/**
 * Reads the document a runbook's mention `id` names and records the read (who, which document,
 * which runbook, how many fields) before the fields go out: no audit entry, no answer.
 */
export async function readDocumentAudited(portal: Portal, user: User, pagePath: string, id: number) {
  const who = { actor: user.username, roles: user.roles, action: READ_DOCUMENT_AUDIT };
  const record = async (entry: Omit<AuditInput, "actor" | "roles" | "action">) => {
    try {
      await audit(portal, { ...who, ...entry, details: { ...entry.details, via: user.via } });
    } catch {
      // A read that cannot be recorded is not answered: 503, never the source's 502 or the fields.
      throw new LiveCheckRefused("the read could not be recorded in the audit log, so nothing is shown; try again when the audit log is writable", 503);
    }
  };
  let reading: Awaited<ReturnType<typeof readDocumentMention>>;
  try {
    reading = await readDocumentMention(pagePath, id, portal.registry, {
      liveHosts: portal.config.runbooks.liveHosts,
      scrub: (value) => scrub(value, portal.config.secretValues),
    });
  } catch (err) {
    if (err instanceof LiveCheckRefused) throw err;
    const message = errorText(err, portal.config.secretValues);
    await record({ target: `runbook:${pagePath}#${id}`, outcome: "failed", details: { runbook: pagePath, mention: id, error: message } });
    throw new LiveCheckRefused(`Firestore did not answer: ${message}`, 502);
  }
  await record({ target: reading.path, outcome: "succeeded", details: { runbook: pagePath, mention: id, exists: reading.exists, fields: reading.fields.length } });
  return reading;
}
