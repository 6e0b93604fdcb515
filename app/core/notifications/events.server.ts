// The events features emit, each one line at the place the change is written, with that
// transaction: the shapes live here so call sites stay one line.
import type { Kysely } from "kysely";
import type { Database } from "../db/schema";
import { startEscalation } from "./escalation.server";
import { recordNotification } from "./outbox.server";

type Db = Kysely<Database>;

interface IncidentFacts {
  id: string;
  title: string;
  severity: string;
  status: string;
  commander: string | null;
  plugins?: readonly string[];
  runbooks?: readonly string[];
}

/** Declared (by a person, or by an alert rule: `alert.declared`, which escalates a P1 until taken). */
export async function notifyIncidentDeclared(db: Db, inc: IncidentFacts, at: number, by: { actor: string; unacknowledged: boolean }): Promise<void> {
  await recordNotification(db, {
    kind: by.unacknowledged ? "alert.declared" : "incident.declared",
    subject: inc.id,
    severity: inc.severity,
    plugins: inc.plugins,
    runbooks: inc.runbooks,
    at,
    payload: { title: inc.title, summary: by.unacknowledged ? `Declared by an alert rule; nobody has taken it yet.` : `Declared by ${by.actor}.`, status: inc.status, commander: inc.commander ?? "nobody yet", link: `/incidents/${inc.id}` },
  });
  if (by.unacknowledged && inc.severity === "P1") await startEscalation(db, { kind: "incident", subject: inc.id, at });
}

/** Severity, status or commander changed; a change to resolved is `incident.resolved`. */
export async function notifyIncidentChanged(db: Db, incidentId: string, change: { what: "status" | "severity" | "commander" | "edit"; to: string | null; by: string; text?: string }, at: number): Promise<void> {
  const inc = await db.selectFrom("incidents").select(["title", "severity", "status", "commander"]).where("id", "=", incidentId).executeTakeFirstOrThrow();
  const links = await db.selectFrom("incident_links").select(["kind", "ref"]).where("incident_id", "=", incidentId).execute();
  const resolved = change.what === "status" && change.to === "resolved";
  await recordNotification(db, {
    kind: resolved ? "incident.resolved" : "incident.updated",
    subject: incidentId,
    severity: inc.severity,
    plugins: links.filter((l) => l.kind === "plugin").map((l) => l.ref),
    runbooks: links.filter((l) => l.kind === "runbook").map((l) => l.ref),
    at,
    payload: {
      title: inc.title,
      summary: `${change.what === "edit" ? `Edited by ${change.by}` : `${change.what} → ${change.to ?? "nobody"} (by ${change.by})`}${change.text ? `: ${change.text}` : ""}`,
      status: inc.status,
      commander: inc.commander ?? "nobody yet",
      link: `/incidents/${incidentId}`,
      acknowledged: change.what === "commander" && !!change.to,
    },
  });
}

/** An approval (second admin) or ask-an-admin request is waiting: escalates until decided. */
export async function notifyDecisionWaiting(
  db: Db,
  r: { runId: string; actionId: string; title?: string; target: string; requester: string; reason?: string | null; risk: string; preview?: string | null; kind: "approval.requested" | "request.waiting"; plugin: string },
  at: number,
): Promise<void> {
  await recordNotification(db, {
    kind: r.kind,
    subject: r.runId,
    severity: r.risk,
    plugins: [r.plugin],
    at,
    payload: {
      title: r.kind === "approval.requested" ? `${r.actionId} on ${r.target} waits for a second admin` : `${r.requester} asks an admin to run ${r.actionId} on ${r.target}`,
      summary: r.title ?? "",
      requester: r.requester,
      reason: r.reason ?? "",
      preview: r.preview ?? "",
      risk: r.risk,
      runId: r.runId,
      link: `/runs/${r.runId}`,
    },
  });
  await startEscalation(db, { kind: "approval", subject: r.runId, at });
}

/** A run failed, or was started with break-glass. */
export async function notifyRun(db: Db, r: { runId: string; actionId: string; target: string; actor: string; kind: "action.failed" | "action.break-glass"; error?: string | null; reason?: string | null; risk: string }, at: number): Promise<void> {
  await recordNotification(db, {
    kind: r.kind,
    subject: r.runId,
    severity: r.risk,
    plugins: [r.actionId.split(".")[0]!],
    at,
    payload: {
      title: r.kind === "action.failed" ? `${r.actionId} on ${r.target} failed` : `${r.actor} ran ${r.actionId} on ${r.target} with break-glass`,
      summary: r.kind === "action.failed" ? "" : `Reason: ${r.reason ?? ""}`,
      error: r.error ?? "",
      runId: r.runId,
      link: `/runs/${r.runId}`,
    },
  });
}

/** A probe critical past its `for`, a cron job down, a backup verification failed. */
export async function notifyProbe(db: Db, p: { probeId: string; title: string; summary: string; kind: "probe.critical" | "cron.down" | "backup.verification-failed"; runbooks?: readonly string[] }, at: number): Promise<void> {
  // An open incident of its plugin already has people on it (silences are checked when routed).
  const open = await db
    .selectFrom("incidents")
    .innerJoin("incident_links", "incident_links.incident_id", "incidents.id")
    .select("incidents.id")
    .where("incident_links.kind", "=", "plugin")
    .where("incident_links.ref", "=", p.probeId.split(".")[0]!)
    .where("incidents.status", "not in", ["resolved", "closed"])
    .executeTakeFirst();
  if (open) return;
  await recordNotification(db, {
    kind: p.kind,
    subject: p.probeId,
    severity: "critical",
    plugins: [p.probeId.split(".")[0]!],
    runbooks: p.runbooks,
    at,
    payload: { title: p.title, summary: p.summary, link: `/?probe=${encodeURIComponent(p.probeId)}` },
  });
}

/** The preview an approver will see, in a line or a few (a summary field when the action gives one). */
export function previewText(preview: unknown): string {
  if (preview == null) return "";
  if (typeof preview === "string") return preview.slice(0, 1000);
  const p = preview as { summary?: unknown; title?: unknown };
  if (typeof p.summary === "string") return p.summary.slice(0, 1000);
  if (typeof p.title === "string") return p.title.slice(0, 1000);
  return JSON.stringify(preview).slice(0, 1000);
}

/** A cron job's probe going critical is the job down; a backup target's last-restorable one is a failed verification. */
export function probeEventKind(probeId: string): "probe.critical" | "cron.down" | "backup.verification-failed" {
  if (probeId.startsWith("cron.")) return "cron.down";
  if (/^backups\..+-last-restorable$/.test(probeId)) return "backup.verification-failed";
  return "probe.critical";
}
