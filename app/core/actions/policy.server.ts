import crypto from "node:crypto";
import type { z } from "zod";
import { RateLimitedError, type PortalError, type Risk } from "../../../plugins/plugin-api";
import { hasRole, type Role } from "~/lib/roles";
import { audit } from "../audit/audit.server";
import { auditRefusal, principalKey, refusalRetryAfter, SIGNED_IN_REFUSALS } from "../audit/refusal-budget.server";
import { canonicalJson, type AuditInput } from "../audit/chain.server";
import type { User } from "../auth.server";
import type { RegisteredAction } from "../plugins/registry.server";
import type { Portal } from "../portal.server";
import { errorText } from "../audit/audit.server";

/**
 * What a press or a decision answers on success: the run it concerns and that run's status (the
 * edge answers 202 while the run is accepted but not done, else 200). Refusals are thrown as the
 * error family (plugins/errors.ts), with the same `runId`/`status` fields where they name a run.
 */
export interface RunAnswer {
  runId: string;
  status: string;
  /** The same idempotency key already made this run: it is returned, nothing new was started. */
  duplicate?: true;
  [field: string]: unknown;
}

export type Actorish = Pick<User, "username" | "roles">;

export function requiredRole(risk: Risk): Role {
  return risk === "low" ? "responder" : "admin";
}

export function mayRun(roles: readonly string[], risk: Risk): boolean {
  return hasRole(roles, requiredRole(risk));
}

/** How the request was authenticated, as every audit entry states it: `session`, `token <id>` or `proxy`. */
export function viaOf(user: Pick<User, "via">): string {
  return user.via;
}

/** The actor fields of an audit entry made by a signed-in user. */
export function actorOf(user: User): Pick<AuditInput, "actor" | "roles"> & { via: string } {
  return { actor: user.username, roles: user.roles, via: viaOf(user) };
}

/** The audit entry as written: the request's `via` goes into its details. */
function entryOf(entry: AuditInput & { via?: string }): AuditInput {
  const { via, ...rest } = entry;
  return { ...rest, details: { ...(rest.details ?? {}), ...(via ? { via } : {}) } };
}

/** The JSON body a refusal answers with, as the edge writes it (field errors only when there are some). */
function refusalBody(err: PortalError): Record<string, unknown> {
  return { ...err.body, error: err.message, ...(Object.keys(err.fieldErrors).length ? { fieldErrors: err.fieldErrors } : {}) };
}

/**
 * Audits a refusal and throws it; a refusal stands even when the audit store is down (it then
 * says so in `auditError`). Denied and invalid requests count against the principal's refusal
 * budget: past it they are thrown as 429 and counted in a summary entry instead of written one by one.
 */
export async function refuse(portal: Portal, entry: AuditInput & { via?: string }, err: PortalError): Promise<never> {
  const input = entryOf(entry);
  let suppressed: RateLimitedError | null = null;
  try {
    if (entry.outcome === "denied" || entry.outcome === "invalid") {
      const key = principalKey({ username: entry.actor, via: entry.via ?? "session" });
      if ((await auditRefusal(portal, key, SIGNED_IN_REFUSALS, input)) === "suppressed") {
        const retryAfter = refusalRetryAfter(portal, key, SIGNED_IN_REFUSALS);
        suppressed = new RateLimitedError(`too many refused requests: ${err.message} (slow down; try again in ${retryAfter} s)`, { retryAfter, body: { refused: refusalBody(err), retryAfter } });
      }
    } else await audit(portal, input);
  } catch {
    err.body.auditError = "the refusal could not be written to the audit log";
    throw err;
  }
  throw suppressed ?? err;
}

/** Audits a request answered without acting (the same idempotency key again); says so in `auditError` if the entry could not be written. */
export async function auditAnswered<T extends Record<string, unknown>>(portal: Portal, entry: AuditInput & { via?: string }, answer: T): Promise<T> {
  try {
    await audit(portal, entryOf(entry));
  } catch {
    return { ...answer, auditError: "the refusal could not be written to the audit log" };
  }
  return answer;
}

export function fieldErrorsOf(err: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of err.issues) {
    const key = issue.path.length ? issue.path.join(".") : "_";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

export function inputHash(input: unknown): string {
  return crypto.createHash("sha256").update(canonicalJson(input ?? null)).digest("hex");
}

export function describeTarget(reg: RegisteredAction, input: unknown): { target: string } | { error: string } {
  try {
    const t = reg.def.target ? reg.def.target(input) : reg.id;
    return { target: String(t).slice(0, 300) };
  } catch (err) {
    return { error: errorText(err) };
  }
}
