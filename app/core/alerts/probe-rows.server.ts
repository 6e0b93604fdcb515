import { hasRole } from "~/lib/roles";
import { ForbiddenError, NotFoundError } from "../http/errors.server";
import type { Portal } from "../portal.server";
import { probeEngine } from "../probes/service.server";
import { acknowledgeAlert } from "./inbox.server";
import { createSilence, silenceRules, silencing } from "./silences.server";
import { storeAlerts } from "./store.server";

/** The overview's own alert source: a probe in warn or critical is an alert of receiver `probe`. */
export const PROBE_RECEIVER = "probe";

export interface ProbeRowState {
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  /** The silence that snoozes the row (matchers on `probe`, `plugin` or `alertname`). */
  snoozed: { id: string; createdBy: string; comment: string; endsAt: string | null } | null;
}

function labelsOf(probe: { id: string; pluginId: string }): Record<string, string> {
  return { alertname: probe.id, probe: probe.id, plugin: probe.pluginId };
}

/**
 * What the overview shows beside each "needs attention" row: who acknowledged it and which silence
 * snoozes it. Probe alerts whose probe is no longer in trouble are resolved here.
 */
export async function probeRowStates(portal: Portal, problems: readonly { id: string; pluginId: string }[], now = Date.now()): Promise<Record<string, ProbeRowState>> {
  const db = portal.store.db;
  const open = await db.selectFrom("alerts").select(["id", "fingerprint", "acknowledged_by", "acknowledged_at"]).where("receiver", "=", PROBE_RECEIVER).where("status", "=", "firing").execute();
  const troubled = new Set(problems.map((p) => p.id));
  const over = open.filter((a) => !troubled.has(a.fingerprint)).map((a) => a.id);
  if (over.length) await db.updateTable("alerts").set({ status: "resolved", open_key: null, resolved_at: now }).where("id", "in", over).execute();
  const rules = await silenceRules(portal, now);
  const byProbe = new Map(open.map((a) => [a.fingerprint, a]));
  const out: Record<string, ProbeRowState> = {};
  for (const p of problems) {
    const a = byProbe.get(p.id);
    const s = silencing(rules, labelsOf(p), now);
    out[p.id] = {
      acknowledgedBy: a?.acknowledged_by ?? null,
      acknowledgedAt: a?.acknowledged_at == null ? null : new Date(Number(a.acknowledged_at)).toISOString(),
      snoozed: s ? { id: s.id, createdBy: s.createdBy, comment: s.comment, endsAt: s.endsAt == null ? null : new Date(s.endsAt).toISOString() } : null,
    };
  }
  return out;
}

async function troubledProbe(portal: Portal, probeId: string) {
  const engine = probeEngine(portal);
  if (!engine.has(probeId)) throw new NotFoundError("There is no such probe.");
  const reading = await engine.reading(probeId);
  return { id: probeId, pluginId: engine.probe(probeId).pluginId, title: reading.title, status: reading.status, summary: reading.summary };
}

/** Acknowledges a "needs attention" row: the probe's trouble becomes an alert, acknowledged like any other. */
export async function acknowledgeProbeRow(portal: Portal, user: { username: string; roles: readonly string[] }, probeId: string, now = Date.now()): Promise<void> {
  if (!hasRole(user.roles, "responder")) throw new ForbiddenError("acknowledging needs the responder role");
  const p = await troubledProbe(portal, probeId);
  let alertId: string | undefined;
  await portal.store.db.transaction().execute(async (trx) => {
    const changes = await storeAlerts(
      trx,
      PROBE_RECEIVER,
      "probe",
      [{ fingerprint: p.id, name: p.id, status: "firing", severity: p.status === "critical" ? "critical" : "warning", labels: labelsOf(p), annotations: {}, summary: `${p.title}: ${p.summary}`.slice(0, 2000), startsAt: now, endsAt: null, generatorURL: null }],
      new Map(),
      now,
    );
    alertId = changes[0]?.alert.id;
  });
  await acknowledgeAlert(portal, user, alertId!, now);
}

/** Snoozes a "needs attention" row: a silence on the probe, for a while, with who and why. */
export async function snoozeProbeRow(portal: Portal, user: { username: string; roles: readonly string[] }, probeId: string, input: { duration?: unknown; comment?: unknown }): Promise<void> {
  const p = await troubledProbe(portal, probeId);
  await createSilence(portal, user, { matchers: [{ name: "probe", value: p.id, isRegex: false }], duration: typeof input.duration === "string" ? input.duration : "1h", comment: input.comment }, { origin: "overview" });
}
