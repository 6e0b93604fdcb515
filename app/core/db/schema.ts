import type { Tables as Foundation } from "./migrations/001-foundation";
import type { Tables as Probes } from "./migrations/002-probes";
import type { Tables as ActionsAudit } from "./migrations/003-actions-audit";
import type { Tables as Incidents } from "./migrations/004-incidents";
import type { Tables as ApprovalRequests } from "./migrations/005-approval-requests";
import type { Tables as RunOrigins } from "./migrations/006-run-origins";
import type { Tables as RunRequests } from "./migrations/007-run-requests";
import type { Tables as RunbookFreshness } from "./migrations/008-runbook-freshness";
import type { AuditMacColumns } from "./migrations/009-audit-mac";
import type { Tables as SchedulerTicks } from "./migrations/010-scheduler-ticks";
import type { SessionSsoColumns, Tables as SsoUsers, UserSsoColumns } from "./migrations/011-sso-users";
import type { Tables as Alerts } from "./migrations/012-alerts";
import type { Tables as Notifications } from "./migrations/013-notifications";

/** 011 adds single sign-on columns to two tables of 001. */
interface FoundationWithSso extends Omit<Foundation, "users" | "sessions"> {
  users: Foundation["users"] & UserSsoColumns;
  sessions: Foundation["sessions"] & SessionSsoColumns;
}

/** 009 adds the per-entry MAC to the audit log of 003. */
interface ActionsAuditWithMac extends Omit<ActionsAudit, "audit_entries"> {
  audit_entries: ActionsAudit["audit_entries"] & AuditMacColumns;
}

/** The whole store: each migration file declares the tables it creates. */
export interface Database extends FoundationWithSso, SsoUsers, Probes, ActionsAuditWithMac, Incidents, ApprovalRequests, RunOrigins, RunRequests, RunbookFreshness, SchedulerTicks, Alerts, Notifications {}
