// Live mentions: a Firestore document path named in a runbook shows its fields, read by any
// signed-in person (viewers included: it is a read) and audited like every other live read.
import type { User } from "../auth.server";
import { audit, errorText } from "../audit/audit.server";
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
  let reading: Awaited<ReturnType<typeof readDocumentMention>>;
  try {
    reading = await readDocumentMention(pagePath, id, portal.registry, {
      liveHosts: portal.config.runbooks.liveHosts,
      scrub: (value) => scrub(value, portal.config.secretValues),
    });
  } catch (err) {
    if (err instanceof LiveCheckRefused) throw err;
    const message = errorText(err, portal.config.secretValues);
    await audit(portal, { ...who, target: `runbook:${pagePath}#${id}`, outcome: "failed", details: { runbook: pagePath, mention: id, error: message } });
    throw new LiveCheckRefused(`Firestore did not answer: ${message}`, 502);
  }
  await audit(portal, { ...who, target: reading.path, outcome: "succeeded", details: { runbook: pagePath, mention: id, exists: reading.exists, fields: reading.fields.length } });
  return reading;
}
