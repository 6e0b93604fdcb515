import crypto from "node:crypto";
import type { z } from "zod";
import type { Risk } from "../../../plugins/plugin-api";
import { hasRole, type Role } from "~/lib/roles";
import { audit } from "../audit/audit.server";
import { auditRefusal, principalKey, refusalRetryAfter, SIGNED_IN_REFUSALS } from "../audit/refusal-budget.server";
import { canonicalJson, type AuditInput } from "../audit/chain.server";
import type { User } from "../auth.server";
import type { RegisteredAction } from "../plugins/registry.server";
import type { Portal } from "../portal.server";
import { errorText } from "../audit/audit.server";

/** What a pipeline call answers: an HTTP status and a JSON body. */
export interface PipelineResponse {
  status: number;
  body: Record<string, unknown>;
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

/**
 * Audits a refusal; a refusal stands even when the audit store is down. Denied and invalid
 * requests count against the principal's refusal budget: past it they are answered 429 and
 * counted in a summary entry instead of written one by one.
 */
export async function refuse(portal: Portal, entry: AuditInput & { via?: string }, status: number, body: Record<string, unknown>): Promise<PipelineResponse> {
  const { via, ...rest } = entry;
  const input = { ...rest, details: { ...(rest.details ?? {}), ...(via ? { via } : {}) } };
  try {
    if (status >= 400 && (entry.outcome === "denied" || entry.outcome === "invalid")) {
      const key = principalKey({ username: entry.actor, via: via ?? "session" });
      if ((await auditRefusal(portal, key, SIGNED_IN_REFUSALS, input)) === "suppressed") {
        const retryAfter = refusalRetryAfter(portal, key, SIGNED_IN_REFUSALS);
        return { status: 429, body: { error: `too many refused requests: ${String(body.error ?? "refused")} (slow down; try again in ${retryAfter} s)`, refused: body, retryAfter } };
      }
    } else await audit(portal, input);
  } catch {
    return { status, body: { ...body, auditError: "the refusal could not be written to the audit log" } };
  }
  return { status, body };
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
