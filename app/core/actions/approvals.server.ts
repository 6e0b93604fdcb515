import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError, UnavailableError } from "../../../plugins/plugin-api";
import { hasRole, parseRoles } from "~/lib/roles";
import { auditAnonymousDenial } from "../audit/anonymous-denials.server";
import { errorText } from "../audit/audit.server";
import type { User } from "../auth.server";
import type { Portal } from "../portal.server";
import { secretValuesOf } from "../secrets/index.server";
import { runPreview, upstreamRefusal } from "./dry-run.server";
import { actorOf, inputHash, mayRun, refuse, type RunAnswer } from "./policy.server";
import { deleteStoredRequest, loadStoredRequest, previewChanges, type PreviewChange } from "./requests.server";
import type { RunRow } from "./runner.server";
import { INSTANCE_ID } from "./runner.server";
import { startRun } from "./run-start.server";
import { loadRun, transitionRun } from "./transitions.server";

export interface DecideOptions {
  /** The client's address: anonymous refusals are rate-limited per address. */
  address?: string;
}

/**
 * A second admin approves or denies a critical request; approval starts the run as the requester.
 * The request is approved as the requester saw it: if the live preview differs from the stored
 * one, the request is superseded (a `ConflictError` with the changes) and must be made again.
 * Refusals are audited and thrown.
 */
export async function decideApproval(
  portal: Portal,
  user: User | null,
  runId: string,
  decision: "approve" | "deny",
  note?: string,
  options: DecideOptions = {},
): Promise<RunAnswer> {
  const run = await loadRun(portal, runId);
  if (!user) {
    const label = run ? { action: run.action_id, target: run.target, runId: run.id } : { action: "portal.approval", target: String(runId).slice(0, 64) };
    try {
      await auditAnonymousDenial(portal, options.address ?? "unknown", { ...label, outcome: "denied", details: { reason: "not signed in", decision } });
    } catch {
      throw new UnauthenticatedError("authentication required", { body: { auditError: "the refusal could not be written to the audit log" } });
    }
    throw new UnauthenticatedError();
  }
  if (!run) throw new NotFoundError("no such run");
  const by = actorOf(user);
  const entry = { action: run.action_id, target: run.target, ...by, incidentId: run.incident_id, runId: run.id };
  const reason = (note ?? "").trim().slice(0, 1000) || undefined;
  if (!hasRole(user.roles, "admin")) {
    return refuse(portal, { ...entry, outcome: "denied", details: { reason: "approving needs the admin role", decision } }, new ForbiddenError("approving needs the admin role"));
  }
  if (user.username === run.actor) {
    return refuse(
      portal,
      { ...entry, outcome: "denied", details: { reason: "the requester cannot approve their own request", decision } },
      new ForbiddenError("you cannot approve or deny your own request: another admin must decide", { asWritten: true }),
    );
  }
  if (run.status !== "awaiting_approval") throw new ConflictError(`this run is ${run.status}, not awaiting approval`, { body: { runId, status: run.status } });
  if (Date.now() >= Number(run.expires_at)) {
    await expireRequest(portal, run).catch(() => {});
    throw new ConflictError("this request expired: an expired approval counts as denied; request again", { body: { runId, status: "expired" } });
  }

  if (decision === "deny") {
    let moved: "done" | "conflict";
    try {
      moved = await transitionRun(portal, run, {
        outcome: "rejected",
        by,
        from: "awaiting_approval",
        set: { status: "rejected", approved_by: user.username, decided_at: Date.now(), finished_at: Date.now(), error: `denied by ${user.username}${reason ? `: ${reason}` : ""}` },
        details: { reason: reason ?? "denied by approver", requester: run.actor },
        also: (db) => deleteStoredRequest(db, run.id),
      });
    } catch {
      throw new UnavailableError("the audit log cannot be written; nothing was decided");
    }
    if (moved === "conflict") throw new ConflictError("someone else decided this request first", { body: { runId } });
    return { runId, status: "rejected" };
  }

  const reg = portal.registry.actions.get(run.action_id);
  if (!reg) throw new ConflictError(`the action ${run.action_id} is no longer installed`);
  // The requester must still be allowed to run it.
  const requester = await portal.store.db.selectFrom("users").select(["roles", "disabled"]).where("username", "=", run.actor).executeTakeFirst();
  if (!requester || requester.disabled || !mayRun(parseRoles(requester.roles), reg.risk)) {
    throw new ConflictError(`${run.actor} may no longer run this action; the request cannot be approved`);
  }

  // The stored input (secret fields unsealed) must still validate and be the input that was requested.
  const stored = await loadStoredRequest(portal, run.id);
  if (!stored) throw new ConflictError("this request's input is not in the store (filed before approvals were stored); deny it and request again");
  if (!stored.ok) throw new ConflictError(stored.error);
  const parsed = reg.def.input.safeParse(stored.request.input);
  const precondition = stored.request.precondition;
  const input = parsed.success ? (precondition ? { ...(parsed.data as object), precondition } : parsed.data) : null;
  if (!parsed.success || inputHash(input) !== run.input_hash) {
    throw new ConflictError("this request's stored input no longer validates or does not match the request; deny it and request again");
  }
  const inputSecrets = secretValuesOf(reg.def.input, input);
  const secrets = [...portal.config.secretValues, ...inputSecrets];

  // Approve what you saw: the live preview must equal the one the requester (and the approver's card) showed.
  if (reg.def.preview) {
    const requesterActor = { username: run.actor, roles: parseRoles(requester.roles) };
    const dry = await runPreview(portal, reg, parsed.data, requesterActor, secrets);
    if (dry.kind === "upstream") {
      return refuse(
        portal,
        { ...entry, outcome: "upstream_failed", details: { reason: `the dry run could not complete: ${dry.error}`, providerStatus: dry.providerStatus, decision } },
        upstreamRefusal(dry, "the provider failed during the dry run, so nothing was approved: "),
      );
    }
    const now = dry.kind === "ok" ? dry.preview : { refused: dry.kind === "invalid" ? dry.error : null };
    const changes = previewChanges(stored.request.preview, now);
    if (changes.length) return supersede(portal, run, by, changes, dry.kind === "invalid" ? dry.error : null);
  }

  const now = Date.now();
  let moved: "done" | "conflict";
  try {
    moved = await transitionRun(portal, run, {
      outcome: "approved",
      by,
      from: "awaiting_approval",
      guards: [["expires_at", ">", now]],
      set: { status: "pending", approved_by: user.username, decided_at: now, owner: INSTANCE_ID, heartbeat_at: now },
      details: { requester: run.actor, note: reason, preview: stored.request.preview },
      also: (db) => deleteStoredRequest(db, run.id),
    });
  } catch {
    throw new UnavailableError("the audit log cannot be written; nothing was approved");
  }
  if (moved === "conflict") throw new ConflictError("this request was already decided, or expired", { body: { runId } });
  return startRun(portal, reg, { ...run, status: "pending", approved_by: user.username }, input, inputSecrets, {
    input: JSON.parse(run.input),
    evidence: run.evidence ? JSON.parse(run.evidence) : null,
    risk: run.risk,
    approvedBy: user.username,
    via: by.via,
  });
}

async function supersede(portal: Portal, run: RunRow, by: ReturnType<typeof actorOf>, changes: PreviewChange[], refusal: string | null): Promise<never> {
  const what = changes.map((c) => c.field).join(", ");
  const error = refusal
    ? `the dry run now refuses this request (${refusal}); it was not approved: request again`
    : `the live preview changed since the request (${what}); it was not approved: request again with the current preview`;
  let moved: "done" | "conflict";
  try {
    moved = await transitionRun(portal, run, {
      outcome: "superseded",
      by,
      from: "awaiting_approval",
      set: { status: "superseded", decided_at: Date.now(), finished_at: Date.now(), error },
      details: { requester: run.actor, changes },
      also: (db) => deleteStoredRequest(db, run.id),
    });
  } catch {
    throw new UnavailableError("the audit log cannot be written; nothing was decided");
  }
  if (moved === "conflict") throw new ConflictError("this request was already decided, or expired", { body: { runId: run.id } });
  throw new ConflictError(error, { body: { runId: run.id, status: "superseded", changes } });
}

export async function expireRequest(portal: Portal, run: Pick<RunRow, "id" | "action_id" | "target" | "actor" | "roles" | "incident_id" | "expires_at">): Promise<void> {
  await transitionRun(portal, run, {
    outcome: "expired",
    by: { actor: run.actor, roles: parseRoles(run.roles) },
    from: "awaiting_approval",
    set: { status: "expired", finished_at: Date.now(), error: "the approval request expired" },
    details: { reason: "no admin approved in time; counts as denied" },
    also: (db) => deleteStoredRequest(db, run.id),
  });
}

/** A second admin marks a break-glass run as reviewed; it leaves the review queue. */
export async function reviewBreakGlass(portal: Portal, user: User | null, runId: string, note?: string, options: DecideOptions = {}): Promise<{ runId: string; reviewedBy: string }> {
  const run = await loadRun(portal, runId);
  if (!user) {
    const label = run ? { action: run.action_id, target: run.target, runId: run.id } : { action: "portal.review", target: String(runId).slice(0, 64) };
    await auditAnonymousDenial(portal, options.address ?? "unknown", { ...label, outcome: "denied", details: { reason: "not signed in" } }).catch(() => {});
    throw new UnauthenticatedError();
  }
  if (!run) throw new NotFoundError("no such run");
  const by = actorOf(user);
  const entry = { action: run.action_id, target: run.target, ...by, incidentId: run.incident_id, runId: run.id };
  if (!hasRole(user.roles, "admin")) return refuse(portal, { ...entry, outcome: "denied", details: { reason: "reviewing needs the admin role" } }, new ForbiddenError("reviewing needs the admin role"));
  if (!run.break_glass) throw new ConflictError("this run did not use break-glass");
  if (run.reviewed_at) throw new ConflictError(`already reviewed by ${run.reviewed_by}`);
  if (user.username === run.actor) {
    return refuse(portal, { ...entry, outcome: "denied", details: { reason: "the operator cannot review their own break-glass run" } }, new ForbiddenError("another admin must review your break-glass run", { asWritten: true }));
  }
  let moved: "done" | "conflict";
  try {
    moved = await transitionRun(portal, run, {
      outcome: "reviewed",
      by,
      guards: [["reviewed_at", "is", null]],
      set: { reviewed_by: user.username, reviewed_at: Date.now() },
      details: { operator: run.actor, breakGlassReason: run.break_glass_reason, note: (note ?? "").trim().slice(0, 1000) || undefined },
    });
  } catch (err) {
    portal.log.warn({ err: errorText(err) }, "review could not be audited");
    throw new UnavailableError("the audit log cannot be written");
  }
  if (moved === "conflict") throw new ConflictError("already reviewed");
  return { runId, reviewedBy: user.username };
}
