import type { Portal } from "../portal.server";
import { audit } from "../audit/audit.server";
import { createScrubber } from "../secrets/index.server";
import type { AlertSource, IncomingAlert } from "./incoming";
import { applyRules, recordResolutions } from "./rules.server";
import { arrivalContexts } from "./service.server";
import { silenceRules, silencing } from "./silences.server";
import { openAlerts, storeAlerts, type AlertChange } from "./store.server";

export interface InternalAlertOutcome {
  fired: number;
  resolved: number;
  silenced: number;
  incidents: string[];
}

/**
 * Alerts the portal raises itself (providers' status pages; later burn rates), stored like a
 * receiver's: deduplicated by fingerprint under the receiver named after the source, linked to a
 * runbook, muted by silences, run through the rules. A resolution of an alert that is not firing
 * is dropped (nothing to close). Re-sending a firing alert keeps it from going stale.
 */
export async function raiseInternalAlerts(portal: Portal, source: AlertSource, incoming: readonly IncomingAlert[], now = Date.now()): Promise<InternalAlertOutcome> {
  const receiver = source;
  const scrubber = createScrubber(portal.config.secretValues);
  const alerts = [...new Map(incoming.map((a) => [a.fingerprint, scrubber.deep(a)])).values()];
  const open = await openAlerts(portal.store.db, receiver, alerts.map((a) => a.fingerprint));
  const send = alerts.filter((a) => a.status === "firing" || open.has(a.fingerprint));
  if (!send.length) return { fired: 0, resolved: 0, silenced: 0, incidents: [] };
  const arrival = await arrivalContexts(portal, send, new Set(open.keys()));
  let changes: AlertChange[] = [];
  await portal.store.db.transaction().execute(async (trx) => {
    changes = await storeAlerts(trx, receiver, source, send, arrival, now);
  });
  const fresh = changes.filter((c) => c.change === "fired" || c.change === "refired");
  const resolved = changes.filter((c) => c.change === "resolved");
  if (!fresh.length && !resolved.length) return { fired: 0, resolved: 0, silenced: 0, incidents: [] };
  await audit(portal, {
    actor: `internal:${source}`,
    roles: [],
    action: "alert.received",
    target: receiver,
    outcome: "succeeded",
    details: { kind: "internal", source, alerts: send.length, fired: fresh.map((c) => c.alert.name).slice(0, 20), resolved: resolved.length },
  });
  const silences = await silenceRules(portal, now);
  const muted = fresh.filter((c) => silencing(silences, { alertname: c.alert.name, ...JSON.parse(c.alert.labels) }, now));
  const incidents = await applyRules(portal, fresh.filter((c) => !muted.includes(c)), now);
  await recordResolutions(portal, resolved, now);
  return { fired: fresh.length, resolved: resolved.length, silenced: muted.length, incidents };
}
