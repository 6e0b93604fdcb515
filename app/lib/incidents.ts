/** Incident vocabulary shared by server and UI (no server imports). */
import { hasRole } from "./roles";

export const SEVERITIES = ["P1", "P2", "P3", "P4"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The incident response runbook's severity levels and response times. */
export const SEVERITY_INFO: Record<Severity, { label: string; response: string; responseMinutes: number | "next-business-day"; meaning: string }> = {
  P1: { label: "Critical", response: "Immediate", responseMinutes: 0, meaning: "Complete service outage, payment processing down, data loss or security breach" },
  P2: { label: "High", response: "30 minutes", responseMinutes: 30, meaning: "Partial service degradation, delivery failures, automation not running, webhooks failing" },
  P3: { label: "Medium", response: "2 hours", responseMinutes: 120, meaning: "Non-critical feature issues, performance degradation (< 2x normal)" },
  P4: { label: "Low", response: "Next business day", responseMinutes: "next-business-day", meaning: "Minor issues, documentation, feature requests" },
};

/**
 * Accepts P1–P4, the other runbooks' Sev1–Sev3 (Sev1 = outage or breach → P1, Sev2 = major
 * regression with user impact → P2, Sev3 = localized with workaround → P3) and the words
 * CRITICAL / HIGH / MEDIUM / LOW.
 */
export function parseSeverity(value: unknown): Severity | null {
  if (typeof value !== "string") return null;
  const v = value.trim().toUpperCase().replace(/[\s_-]/g, "");
  if ((SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  const sev = /^SEV([1-4])$/.exec(v);
  if (sev) return `P${sev[1]}` as Severity;
  const words: Record<string, Severity> = { CRITICAL: "P1", HIGH: "P2", MEDIUM: "P3", LOW: "P4" };
  return words[v] ?? null;
}

export const STATUSES = ["investigating", "identified", "monitoring", "resolved", "closed"] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const OPEN_STATUSES: readonly IncidentStatus[] = ["investigating", "identified", "monitoring"];

export function isStatus(v: unknown): v is IncidentStatus {
  return typeof v === "string" && (STATUSES as readonly string[]).includes(v);
}

/** When the first response is due for a severity, counted from detection. */
export function responseDueAt(severity: Severity, detectedAt: number): number {
  const m = SEVERITY_INFO[severity].responseMinutes;
  if (m !== "next-business-day") return detectedAt + m * 60_000;
  // Next business day, 09:00 UTC.
  const d = new Date(detectedAt);
  d.setUTCHours(9, 0, 0, 0);
  do d.setUTCDate(d.getUTCDate() + 1);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6);
  return d.getTime();
}

/** Responders declare incidents and write notes, status updates and checklist ticks. */
export function canRespond(roles: readonly string[]): boolean {
  return hasRole(roles, "responder") || canEditIncidents(roles);
}

/** Managers and admins edit everything: fields, severity, timeline corrections, report, closing. */
export function canEditIncidents(roles: readonly string[]): boolean {
  return hasRole(roles, "admin") || hasRole(roles, "manager");
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "—";
  const neg = ms < 0;
  let m = Math.round(Math.abs(ms) / 60_000);
  const d = Math.floor(m / 1440);
  m -= d * 1440;
  const h = Math.floor(m / 60);
  m -= h * 60;
  const parts = d ? [`${d}d`, `${h}h`, `${m}m`] : h ? [`${h}h`, `${m}m`] : [`${m}m`];
  return (neg ? "-" : "") + parts.join(" ");
}

/** "2026-11-26 14:05 UTC" — incidents are read across time zones, so times are shown in UTC. */
export function formatTime(ms: number | null | undefined, withDate = true): string {
  if (ms == null) return "—";
  const iso = new Date(ms).toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso.slice(11, 16);
}

/** Value for an `<input type="datetime-local">` in UTC. */
export function toLocalInput(ms: number | null | undefined): string {
  if (ms == null) return "";
  return new Date(ms).toISOString().slice(0, 16);
}

export type TimelineKind = "declared" | "status" | "severity" | "commander" | "note" | "checklist" | "edit" | "action" | "approval" | "probe" | "deploy" | "alert" | "provider";

/** One line of an incident's timeline, from the incident itself, the audit log or a probe transition. */
export interface TimelineEntry {
  /** `ev:<id>`, `audit:<seq>` or `probe:<id>`: what pin / hide / correct refer to; `deploy:<site>:<id>` (read live from the deploys service, not markable). */
  key: string;
  source: "incident" | "audit" | "probe" | "deploy";
  kind: TimelineKind;
  /** The time shown: the corrected time when someone corrected it, else the original. */
  at: number;
  /** The time recorded when it happened; always kept. */
  originalAt: number;
  corrected: boolean;
  pinned: boolean;
  hidden: boolean;
  actor: string | null;
  /** One line in the operator's words. */
  title: string;
  text?: string;
  href?: string;
  /** Probe status after a transition, or an action's outcome. */
  status?: string;
}

/** What changed before an incident: the last production deploy before detection, and a rollback to the one before it. */
export interface DeployMarker {
  site: string;
  deploymentId: string;
  commit: string | null;
  commitMessage: string | null;
  author: string | null;
  deployedAt: number;
  minutesBeforeDetection: number;
  stillCurrent: boolean;
  /** The previous good deployment on the same site, with the rollback action's preset input. */
  rollback: { actionId: string; input: { site: string; deploymentId: string }; commit: string | null; deployedAt: number } | null;
}
