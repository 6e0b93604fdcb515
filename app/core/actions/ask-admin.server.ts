// "Ask an admin": a user who may not run an action asks for it, with its input and a reason; an
// admin runs it (through the whole guard pipeline, as the admin's own run) or declines it.
//
// Built on the stored approvals: the request is an `action_runs` row in status `requested`, in the
// same queue as approvals; its input is stored with the approval requests' store (secret fields
// sealed with the request key, outside the database), so a request survives restarts and works
// on any instance.
import crypto from "node:crypto";
import { ConflictError, ForbiddenError, InputError, NotFoundError, parseDuration, UnauthenticatedError, UnavailableError } from "../../../plugins/plugin-api";
import { hasRole } from "~/lib/roles";
import { canonicalJson } from "../audit/chain.server";
import { redactBySchema, secretValuesOf } from "../secrets/walk.server";
import type { User } from "../auth.server";
import { newId } from "../ids.server";
import type { Portal } from "../portal.server";
import { audit, Conflict } from "../audit/audit.server";
import { recordRunOrigin } from "../incidents/joining.server";
import { deleteStoredRequest, loadStoredRequest, storeRequest } from "./requests.server";
import { cancelRun, describeTarget, mayRun, submitAction, transitionRun } from "./pipeline.server";
import { loadRun } from "./transitions.server";
import { runPreview } from "./dry-run.server";
import { refuse, type RunAnswer } from "./policy.server";
import type { RunRow } from "./runner.server";
import { notifyDecisionWaiting } from "../notifications/events.server";

function fieldErrors(issues: { path: PropertyKey[]; message: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of issues) (out[i.path.length ? i.path.map(String).join(".") : "_"] ??= []).push(i.message);
  return out;
}

function inputHash(input: unknown): string {
  return crypto.createHash("sha256").update(canonicalJson(input ?? null)).digest("hex");
}

/** True when the body asks for the action instead of running it. */
export function isRequest(body: unknown): boolean {
  return !!body && typeof body === "object" && "request" in body && (body as { request?: unknown }).request !== undefined;
}

/**
 * `POST /api/actions/:id` with `request: { reason }`: stores the request (`{ runId, status:
 * "requested" }`). Only for users who may not run the action themselves; viewers cannot ask.
 */
export async function submitRequest(portal: Portal, user: User | null, actionId: string, body: Record<string, unknown>, options: { origin?: string | null } = {}): Promise<RunAnswer> {
  if (!user) throw new UnauthenticatedError();
  const reg = portal.registry.actions.get(actionId);
  if (!reg) throw new NotFoundError(`no action "${String(actionId).slice(0, 200)}"`);
  const who = { actor: user.username, roles: user.roles };
  if (mayRun(user.roles, reg.risk)) {
    throw new InputError("you may run this action yourself: send it without `request`", { fieldErrors: { request: ["not needed: you may run this action"] } });
  }
  if (!hasRole(user.roles, "responder")) {
    return refuse(portal, { action: reg.id, target: reg.id, ...who, via: user.via, outcome: "denied", details: { reason: "asking for an action needs the responder role" } }, new ForbiddenError("asking an admin needs the responder role"));
  }
  const request = body.request as { reason?: unknown } | null;
  const reason = request && typeof request === "object" && typeof request.reason === "string" ? request.reason.trim() : "";
  if (reason.length < 10 || reason.length > 2000) {
    throw new InputError("say why this is needed", { fieldErrors: { "request.reason": ["say why (10 to 2000 characters)"] } });
  }
  const parsed = reg.def.input.safeParse(body.input ?? {});
  if (!parsed.success) throw new InputError("the input is not valid", { fieldErrors: fieldErrors(parsed.error.issues) });
  const t = describeTarget(reg, parsed.data);
  if ("error" in t) throw new InputError("the input names no valid target", { fieldErrors: { input: [t.error] } });
  const incidentId = typeof body.incidentId === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(body.incidentId) ? body.incidentId : null;
  const precondition = typeof body.precondition === "string" && body.precondition.length <= 500 ? body.precondition : null;
  // A request its run would refuse never reaches an admin: the action's dry run, as a press.
  // The admin sees the preview the requester saw (and what changed since).
  let preview: unknown = null;
  if (reg.def.preview) {
    const dry = await runPreview(portal, reg, parsed.data, user, [...portal.config.secretValues, ...secretValuesOf(reg.def.input, parsed.data)], undefined, { precondition });
    if (dry.kind === "invalid") throw new InputError(dry.error, { fieldErrors: dry.fieldErrors });
    if (dry.kind === "ok") preview = dry.preview;
  }

  const now = Date.now();
  const redacted = redactBySchema(reg.def.input, parsed.data);
  const secrets = secretValuesOf(reg.def.input, parsed.data);
  const id = newId("run_");
  const row: RunRow = {
    id,
    action_id: reg.id,
    target: t.target,
    actor: user.username,
    roles: user.roles.join(","),
    risk: reg.risk,
    status: "requested",
    input: canonicalJson(redacted),
    input_hash: inputHash(parsed.data),
    result: null,
    error: null,
    log: "",
    progress_done: null,
    progress_total: null,
    incident_id: incidentId,
    idempotency_key: `${user.username}|${reg.id}|request-${id}`,
    evidence: null,
    break_glass: 0,
    break_glass_reason: null,
    reviewed_by: null,
    reviewed_at: null,
    approved_by: null,
    decided_at: null,
    expires_at: now + parseDuration(portal.config.actions.approvalTtl),
    cancel_requested: 0,
    cancelled_by: null,
    owner: null,
    heartbeat_at: now,
    created_at: now,
    started_at: null,
    finished_at: null,
  };
  try {
    await audit(
      portal,
      { action: reg.id, target: t.target, ...who, incidentId, runId: id, outcome: "requested", details: { request: true, reason, input: redacted, needs: reg.risk === "low" ? "responder" : "admin" } },
      async (db) => {
        await db.insertInto("action_runs").values(row).execute();
        await db.insertInto("run_requests").values({ run_id: id, requested_by: user.username, reason, decided_by: null, decided_at: null, started_run_id: null, created_at: now }).execute();
        await storeRequest(db, portal, id, { input: parsed.data, precondition, preview, hasSecrets: secrets.length > 0 });
        await notifyDecisionWaiting(db, { kind: "request.waiting", runId: id, actionId: reg.id, title: reg.def.title, target: t.target, requester: user.username, reason, risk: reg.risk, plugin: reg.pluginId }, now);
        if (options.origin) await recordRunOrigin(db, id, options.origin);
      },
      secrets,
    );
  } catch {
    throw new UnavailableError("the audit log cannot be written, so the request was not stored");
  }
  return { runId: id, status: "requested" };
}

/**
 * An admin decides a request (`POST /api/runs/:runId/approval` on a `requested` run): `deny`
 * declines it; `approve` runs the action as the admin's own run through the whole pipeline
 * (typed `confirm` where the risk asks for it; a critical one still needs a second admin).
 */
export async function decideRequest(portal: Portal, user: User | null, runId: string, decision: "approve" | "deny", options: { confirm?: string; note?: string } = {}): Promise<RunAnswer> {
  if (!user) throw new UnauthenticatedError();
  const run = (await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", runId).executeTakeFirst()) as RunRow | undefined;
  if (!run || run.status !== "requested") throw new ConflictError(run ? `this run is ${run.status}, not a request` : "no such request", { body: { runId } });
  const reg = portal.registry.actions.get(run.action_id);
  const entry = { action: run.action_id, target: run.target, actor: user.username, roles: user.roles, incidentId: run.incident_id, runId: run.id };
  if (!hasRole(user.roles, "admin")) {
    return refuse(portal, { ...entry, via: user.via, outcome: "denied", details: { reason: "deciding a request needs the admin role", decision } }, new ForbiddenError("deciding a request needs the admin role"));
  }
  if (user.username === run.actor) throw new ForbiddenError("you cannot decide your own request: another admin must", { asWritten: true });
  const note = (options.note ?? "").trim().slice(0, 1000) || undefined;

  const close = async (status: "rejected" | "expired" | "accepted", details: Record<string, unknown>, startedRunId: string | null = null) => {
    const now = Date.now();
    await audit(portal, { ...entry, outcome: status === "accepted" ? "approved" : status, details: { requester: run.actor, request: true, ...details } }, async (db) => {
      const res = await db
        .updateTable("action_runs")
        .set({ status, approved_by: user.username, decided_at: now, finished_at: now, error: status === "rejected" ? `declined by ${user.username}${note ? `: ${note}` : ""}` : status === "expired" ? "the request expired" : null })
        .where("id", "=", run.id)
        .where("status", "=", "requested")
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Conflict("already decided");
      await db.updateTable("run_requests").set({ decided_by: user.username, decided_at: now, started_run_id: startedRunId }).where("run_id", "=", run.id).execute();
    });
  };

  const closing = async (status: "rejected" | "expired", details: Record<string, unknown>) => {
    try {
      await close(status, details);
    } catch (err) {
      if (err instanceof Conflict) throw new ConflictError("someone else decided this request first", { body: { runId } });
      throw new UnavailableError("the audit log cannot be written; nothing was decided");
    }
  };
  if (Date.now() >= Number(run.expires_at)) {
    await closing("expired", { reason: "no admin decided in time" });
    throw new ConflictError("this request expired; ask again", { body: { runId, status: "expired" } });
  }
  if (decision === "deny") {
    await closing("rejected", { reason: note ?? "declined" });
    return { runId, status: "rejected" };
  }

  if (!reg) throw new ConflictError(`the action ${run.action_id} is no longer installed`);
  const stored = await loadStoredRequest(portal, run.id);
  if (!stored) throw new ConflictError("this request's input is not stored; decline it and ask again");
  if (!stored.ok) throw new ConflictError(stored.error);
  const checked = reg.def.input.safeParse(stored.request.input);
  if (!checked.success || inputHash(checked.data) !== run.input_hash) throw new ConflictError("this request's stored input no longer fits the action; decline it and ask again");
  const input = checked.data;
  // Withdrawn (or decided) while the input was checked: nothing is started for it.
  const still = await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", run.id).executeTakeFirst();
  if (still?.status !== "requested") throw new ConflictError(`this request is ${still?.status ?? "gone"}: nothing was run`, { body: { runId } });
  // The admin's own run: every guard applies to the admin (role, dry run, typed confirmation,
  // second admin for critical, lock, rate limit). The request stays open if the pipeline refuses (it throws).
  const started = await submitAction(portal, user, reg.id, {
    input,
    confirm: options.confirm,
    idempotencyKey: `request-${run.id}`,
    incidentId: run.incident_id,
    precondition: stored.request.precondition,
  });
  try {
    await close("accepted", { run: started.runId, note }, started.runId);
  } catch (err) {
    if (!(err instanceof Conflict)) throw err;
  }
  return { ...started, requestId: run.id, requestedBy: run.actor };
}

/**
 * The requester withdraws their own request (`POST /api/runs/:runId/cancel` on a `requested`
 * run): it ends `cancelled`, its stored input is deleted, and an approval afterwards answers 409.
 * Only the requester may: an admin who did not ask declines it instead (the decision is theirs).
 */
export async function withdrawRequest(portal: Portal, user: User, run: RunRow): Promise<RunAnswer> {
  const by = { actor: user.username, roles: user.roles, via: user.via };
  if (user.username !== run.actor) {
    return refuse(
      portal,
      { action: run.action_id, target: run.target, ...by, incidentId: run.incident_id, runId: run.id, outcome: "denied", details: { reason: "only the requester may withdraw a request", request: true } },
      new ForbiddenError(`only ${run.actor}, who asked, may withdraw this request${hasRole(user.roles, "admin") ? "; decline it instead" : ""}`),
    );
  }
  if (run.status !== "requested") throw new ConflictError(`this request is already ${run.status}`, { body: { runId: run.id, status: run.status } });
  const now = Date.now();
  let moved: "done" | "conflict";
  try {
    moved = await transitionRun(portal, run, {
      outcome: "cancelled",
      by,
      from: "requested",
      set: { status: "cancelled", cancelled_by: user.username, finished_at: now },
      details: { reason: "request withdrawn by the requester", request: true },
      also: async (db) => {
        await db.updateTable("run_requests").set({ decided_by: user.username, decided_at: now }).where("run_id", "=", run.id).execute();
        await deleteStoredRequest(db, run.id);
      },
    });
  } catch {
    throw new UnavailableError("the audit log cannot be written; the request was not withdrawn", { body: { runId: run.id } });
  }
  if (moved === "conflict") throw new ConflictError("this request was decided meanwhile", { body: { runId: run.id } });
  return { runId: run.id, status: "cancelled" };
}

/**
 * `POST /api/runs/:runId/cancel`: a responder's request ("ask an admin") is withdrawn by its
 * requester; anything else is cancelled (a running run) or withdrawn (a critical run waiting for
 * its second admin) by the run's rules.
 */
export async function cancelOrWithdraw(portal: Portal, user: User | null, runId: string): Promise<RunAnswer> {
  const run = user ? await loadRun(portal, runId) : undefined;
  const isRequest = run ? run.status === "requested" || !!(await portal.store.db.selectFrom("run_requests").select("run_id").where("run_id", "=", run.id).executeTakeFirst()) : false;
  if (user && run && isRequest) return withdrawRequest(portal, user, run);
  return cancelRun(portal, user, runId);
}

/** The request behind a run, for its page: who asked, why, and the admin's run it became. */
export async function requestOf(portal: Portal, runId: string) {
  const r = await portal.store.db.selectFrom("run_requests").selectAll().where("run_id", "=", runId).executeTakeFirst();
  if (r) return { kind: "request" as const, requestedBy: r.requested_by, reason: r.reason, decidedBy: r.decided_by, startedRunId: r.started_run_id };
  // The admin's run started from a request links back to it.
  const from = await portal.store.db.selectFrom("run_requests").selectAll().where("started_run_id", "=", runId).executeTakeFirst();
  return from ? { kind: "started" as const, requestedBy: from.requested_by, reason: from.reason, requestRunId: from.run_id } : null;
}
