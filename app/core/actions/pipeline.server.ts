import crypto from "node:crypto";
import { z } from "zod";
import { parseDuration, type Risk } from "../../../plugins/plugin-api";
import { hasRole, parseRoles, type Role } from "~/lib/roles";
import { canonicalJson, type AuditInput } from "../audit/chain.server";
import { audit, Conflict, errorText } from "./audit-entry.server";
import { redactBySchema, scrubDeep, secretValuesOf } from "../audit/redact.server";
import { newId, type User } from "../auth.server";
import type { RegisteredAction } from "../plugins/registry.server";
import type { Portal } from "../portal.server";
import { acquireLock, lockKey, releaseLock } from "./locks.server";
import { executeRun, INSTANCE_ID, localRuns, type RunRow } from "./runner.server";

/** What a pipeline call answers: an HTTP status and a JSON body. */
export interface PipelineResponse {
  status: number;
  body: Record<string, unknown>;
}

export type Actorish = Pick<User, "username" | "roles">;

const ANONYMOUS: Actorish = { username: "anonymous", roles: [] };
const MAX_EVIDENCE = 64 * 1024;

export function requiredRole(risk: Risk): Role {
  return risk === "low" ? "responder" : "admin";
}

export function mayRun(roles: readonly string[], risk: Risk): boolean {
  return hasRole(roles, requiredRole(risk));
}

/** Audits a refusal; a refusal stands even when the audit store is down. */
async function stop(portal: Portal, entry: AuditInput, status: number, body: Record<string, unknown>): Promise<PipelineResponse> {
  try {
    await audit(portal, entry);
  } catch {
    return { status, body: { ...body, auditError: "the refusal could not be written to the audit log" } };
  }
  return { status, body };
}

const BodySchema = z.object({
  input: z.unknown().optional(),
  confirm: z.string().max(500).optional().nullable(),
  idempotencyKey: z
    .string()
    .min(8, "use at least 8 characters (a UUID is ideal)")
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/, "use letters, digits and _ . : - only")
    .optional()
    .nullable(),
  incidentId: z.string().max(64).regex(/^[A-Za-z0-9_-]+$/).optional().nullable(),
  evidence: z.unknown().optional(),
  breakGlassReason: z.string().max(2000).optional().nullable(),
  /** The preview's precondition (e.g. a document's update time): the run refuses if it changed since. */
  precondition: z.string().max(500).optional().nullable(),
});

function fieldErrorsOf(err: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of err.issues) {
    const key = issue.path.length ? issue.path.join(".") : "_";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

function inputHash(input: unknown): string {
  return crypto.createHash("sha256").update(canonicalJson(input ?? null)).digest("hex");
}

function targetOf(reg: RegisteredAction, input: unknown): string {
  const t = reg.def.target ? reg.def.target(input) : reg.id;
  return String(t).slice(0, 300);
}

export function describeTarget(reg: RegisteredAction, input: unknown): { target: string } | { error: string } {
  try {
    return { target: targetOf(reg, input) };
  } catch (err) {
    return { error: errorText(err) };
  }
}

/** Held only in this process: secret input of critical requests waiting for approval (never stored). */
const heldSecretInputs = new Map<string, unknown>();

/**
 * The guard pipeline, in DESIGN.md order: authenticate → authorize → validate → confirm →
 * approval → idempotency → lock → rate limit → audit "started" → run. Each stop is audited.
 */
export async function submitAction(
  portal: Portal,
  user: User | null,
  actionId: string,
  rawBody: unknown,
  options: { bodyError?: { status: number; error: string } } = {},
): Promise<PipelineResponse> {
  const reg = portal.registry.actions.get(actionId);
  const actionLabel = String(actionId).slice(0, 200);
  const base = { action: actionLabel, target: reg ? reg.id : actionLabel };

  // 1. authenticate
  if (!user) {
    return stop(portal, { ...base, actor: ANONYMOUS.username, roles: [], outcome: "denied", details: { reason: "not signed in" } }, 401, { error: "authentication required" });
  }
  const who = { actor: user.username, roles: user.roles };
  if (!reg) {
    return stop(portal, { ...base, ...who, outcome: "invalid", details: { reason: "unknown action" } }, 404, { error: `no action "${actionLabel}"` });
  }

  // 2. authorize (default deny: undeclared risk is critical, unknown roles hold nothing)
  const role = requiredRole(reg.risk);
  if (!mayRun(user.roles, reg.risk)) {
    return stop(portal, { ...base, ...who, outcome: "denied", details: { reason: `needs the ${role} role`, risk: reg.risk, via: user.via } }, 403, {
      error: `forbidden: ${reg.risk}-risk actions need the ${role} role`,
    });
  }

  // 3. validate
  if (options.bodyError) {
    return stop(portal, { ...base, ...who, outcome: "invalid", details: { reason: options.bodyError.error } }, options.bodyError.status, { error: options.bodyError.error });
  }
  const body = BodySchema.safeParse(rawBody ?? {});
  if (!body.success) {
    const fieldErrors = fieldErrorsOf(body.error);
    return stop(portal, { ...base, ...who, outcome: "invalid", details: { reason: "malformed request", fieldErrors } }, 400, { error: "the request is not valid", fieldErrors });
  }
  const req = body.data;
  const parsed = reg.def.input.safeParse(req.input ?? {});
  if (!parsed.success) {
    const fieldErrors = fieldErrorsOf(parsed.error);
    return stop(portal, { ...base, ...who, outcome: "invalid", incidentId: req.incidentId, details: { reason: "input failed validation", fieldErrors } }, 400, {
      error: "the input is not valid",
      fieldErrors,
    });
  }
  const input = req.precondition ? { ...(parsed.data as object), precondition: req.precondition } : parsed.data;
  const redacted = redactBySchema(reg.def.input, input);
  const inputSecrets = secretValuesOf(reg.def.input, input);
  const t = describeTarget(reg, input);
  if ("error" in t) {
    return stop(portal, { ...base, ...who, outcome: "invalid", details: { reason: `target: ${t.error}` } }, 400, { error: "the input names no valid target", fieldErrors: { input: [t.error] } });
  }
  const target = t.target;
  const entry = { action: reg.id, target, ...who, incidentId: req.incidentId ?? null };

  let evidence: unknown = null;
  if (req.evidence !== undefined && req.evidence !== null) {
    evidence = scrubDeep(req.evidence, [...portal.config.secretValues, ...inputSecrets]);
    if (canonicalJson(evidence).length > MAX_EVIDENCE) {
      return stop(portal, { ...entry, outcome: "invalid", details: { reason: "evidence too large" } }, 400, { error: "the evidence is too large", fieldErrors: { evidence: [`at most ${MAX_EVIDENCE} bytes`] } });
    }
  }

  // Break-glass (high and critical): the dry run and the run see the reason (e.g. to allow a key outside the usual patterns).
  const breakGlassAsked = reg.risk !== "low" && req.breakGlassReason !== undefined && req.breakGlassReason !== null ? req.breakGlassReason.trim() : null;

  // 3b. the dry run must accept the input (over-refund, unknown order…), unless this key already has a run
  if (reg.def.preview) {
    const key = req.idempotencyKey ? `${user.username}|${reg.id}|${req.idempotencyKey}` : null;
    const known = key ? await portal.store.db.selectFrom("action_runs").select("id").where("idempotency_key", "=", key).executeTakeFirst() : undefined;
    if (!known) {
      const dry = await runPreview(portal, reg, parsed.data, user, [...portal.config.secretValues, ...inputSecrets], breakGlassAsked ?? undefined);
      if (dry.invalid) {
        return stop(portal, { ...entry, outcome: "invalid", details: { reason: `the dry run refused the input: ${dry.error}`, input: redacted } }, 400, {
          error: dry.error,
          fieldErrors: dry.fieldErrors,
        });
      }
    }
  }

  // 4. typed confirmation
  if (reg.risk !== "low" && (req.confirm ?? "").trim() !== target) {
    return stop(portal, { ...entry, outcome: "invalid", details: { reason: "typed confirmation does not match the target", input: redacted } }, 400, {
      error: `type the target "${target}" to confirm`,
      fieldErrors: { confirm: [`type "${target}" to confirm`] },
      target,
    });
  }

  // 5. approval (critical): a second admin, or break-glass with a reason (also accepted on high risk, reviewed alike)
  let breakGlass: string | null = null;
  if (breakGlassAsked !== null) {
    breakGlass = breakGlassAsked;
    if (breakGlass.length < 10) {
      return stop(portal, { ...entry, outcome: "invalid", details: { reason: "break-glass without a reason" } }, 400, {
        error: "break-glass needs a reason",
        fieldErrors: { breakGlassReason: ["say why this cannot wait for a second admin (at least 10 characters)"] },
      });
    }
  }
  const needsApproval = reg.risk === "critical" && !breakGlass;

  // 6. idempotency: the UNIQUE key decides, never a read-then-write
  const now = Date.now();
  const clientKey = req.idempotencyKey ?? newId("auto_");
  const run: RunRow = {
    id: newId("run_"),
    action_id: reg.id,
    target,
    actor: user.username,
    roles: user.roles.join(","),
    risk: reg.risk,
    status: needsApproval ? "awaiting_approval" : "pending",
    input: canonicalJson(redacted),
    input_hash: inputHash(input),
    result: null,
    error: null,
    log: "",
    progress_done: null,
    progress_total: null,
    incident_id: req.incidentId ?? null,
    idempotency_key: `${user.username}|${reg.id}|${clientKey}`,
    evidence: evidence === null ? null : canonicalJson(evidence),
    break_glass: breakGlass ? 1 : 0,
    break_glass_reason: breakGlass,
    reviewed_by: null,
    reviewed_at: null,
    approved_by: null,
    decided_at: null,
    expires_at: needsApproval ? now + parseDuration(portal.config.actions.approvalTtl) : null,
    cancel_requested: 0,
    cancelled_by: null,
    owner: needsApproval ? null : INSTANCE_ID,
    heartbeat_at: now,
    created_at: now,
    started_at: null,
    finished_at: null,
  };
  const inserted = await portal.store.db
    .insertInto("action_runs")
    .values(run)
    .onConflict((oc) => oc.column("idempotency_key").doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    const existing = await portal.store.db.selectFrom("action_runs").select(["id", "status", "input_hash"]).where("idempotency_key", "=", run.idempotency_key).executeTakeFirst();
    if (!existing) return { status: 409, body: { error: "conflicting request; retry" } };
    if (existing.input_hash !== run.input_hash) {
      return stop(portal, { ...entry, runId: existing.id, outcome: "duplicate", details: { reason: "idempotency key reused with different input" } }, 409, {
        error: "this idempotency key was already used with different input",
        runId: existing.id,
        status: existing.status,
      });
    }
    return stop(portal, { ...entry, runId: existing.id, outcome: "duplicate", details: { reason: "same idempotency key: returning the existing run" } }, 200, {
      runId: existing.id,
      status: existing.status,
      duplicate: true,
    });
  }

  const startDetails = { input: redacted, evidence, risk: reg.risk, via: user.via, ...(breakGlass ? { breakGlass: true, breakGlassReason: breakGlass } : {}) };
  if (needsApproval) {
    try {
      await audit(portal, { ...entry, runId: run.id, outcome: "requested", details: { ...startDetails, expiresAt: new Date(run.expires_at!).toISOString() } }, undefined, inputSecrets);
    } catch (err) {
      await markRefused(portal, run.id, "the audit log could not be written; the request was not filed");
      return { status: 503, body: { error: "the audit log cannot be written, so the request was not filed", runId: run.id, status: "refused" } };
    }
    if (inputSecrets.length) {
      heldSecretInputs.set(run.id, input);
      setTimeout(() => heldSecretInputs.delete(run.id), run.expires_at! - now).unref();
    }
    return { status: 202, body: { runId: run.id, status: "awaiting_approval", expiresAt: new Date(run.expires_at!).toISOString() } };
  }

  return startRun(portal, reg, run, input, inputSecrets, startDetails);
}

async function markRefused(portal: Portal, runId: string, error: string): Promise<void> {
  await portal.store.db
    .updateTable("action_runs")
    .set({ status: "refused", error, finished_at: Date.now() })
    .where("id", "=", runId)
    .where("status", "in", ["pending", "awaiting_approval"])
    .execute()
    .catch(() => {});
}

/** Steps 7–10 for a run row in status `pending`: lock, rate limit, audit "started", run. */
async function startRun(
  portal: Portal,
  reg: RegisteredAction,
  run: RunRow,
  input: unknown,
  inputSecrets: string[],
  startDetails: Record<string, unknown>,
): Promise<PipelineResponse> {
  const { store } = portal;
  const entry = { action: reg.id, target: run.target, actor: run.actor, roles: parseRoles(run.roles), incidentId: run.incident_id, runId: run.id };
  const key = lockKey(reg.id, run.target);

  // 7. per-target lock
  const holder = await acquireLock(store, key, run.id, INSTANCE_ID);
  if (holder) {
    await markRefused(portal, run.id, `another run (${holder}) is already acting on ${run.target}`);
    return stop(portal, { ...entry, outcome: "locked", details: { reason: "another run holds this target", blockingRunId: holder } }, 409, {
      error: `another run is already acting on "${run.target}"`,
      runId: run.id,
      status: "refused",
      blockingRunId: holder,
    });
  }

  try {
    // 8. per-target rate limit (counted under the lock, so two requests cannot both slip through)
    if (reg.def.rateLimit) {
      const per = parseDuration(reg.def.rateLimit.per);
      const since = Date.now() - per;
      const row = await store.db
        .selectFrom("action_runs")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("action_id", "=", reg.id)
        .where("target", "=", run.target)
        .where("started_at", ">=", since)
        .where("id", "!=", run.id)
        .executeTakeFirst();
      if (Number(row?.n ?? 0) >= reg.def.rateLimit.max) {
        await markRefused(portal, run.id, `rate limit: at most ${reg.def.rateLimit.max} per ${reg.def.rateLimit.per} on ${run.target}`);
        await releaseLock(store, key, run.id);
        return stop(portal, { ...entry, outcome: "rate_limited", details: { reason: `at most ${reg.def.rateLimit.max} per ${reg.def.rateLimit.per}` } }, 429, {
          error: `rate limit: at most ${reg.def.rateLimit.max} run(s) per ${reg.def.rateLimit.per} on "${run.target}"`,
          runId: run.id,
          status: "refused",
        });
      }
    }

    // 9. audit "started", atomically with the status change. No entry, no run (fail closed).
    const startedAt = Date.now();
    try {
      await audit(
        portal,
        { ...entry, outcome: "started", details: startDetails },
        async (db) => {
          const res = await db
            .updateTable("action_runs")
            .set({ status: "started", started_at: startedAt, owner: INSTANCE_ID, heartbeat_at: startedAt })
            .where("id", "=", run.id)
            .where("status", "=", "pending")
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) !== 1) throw new Conflict("the run is no longer pending");
        },
        inputSecrets,
      );
    } catch (err) {
      await markRefused(portal, run.id, err instanceof Conflict ? "the run changed state before it could start" : "the audit log could not be written; nothing was run");
      await releaseLock(store, key, run.id);
      if (err instanceof Conflict) return { status: 409, body: { error: "the run changed state before it could start", runId: run.id } };
      return { status: 503, body: { error: "the audit log cannot be written, so the action was not run (fail closed)", runId: run.id, status: "refused" } };
    }

    // 10. run, in the background; the caller follows /api/runs/:runId
    void executeRun(portal, reg, { ...run, status: "started", started_at: startedAt }, input, inputSecrets);
    return { status: 202, body: { runId: run.id, status: "started" } };
  } catch (err) {
    await releaseLock(store, key, run.id).catch(() => {});
    await markRefused(portal, run.id, errorText(err, portal.config.secretValues));
    throw err;
  }
}

async function loadRun(portal: Portal, runId: string): Promise<RunRow | undefined> {
  if (typeof runId !== "string" || runId.length > 64) return undefined;
  return (await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", runId).executeTakeFirst()) as RunRow | undefined;
}

/** A second admin approves or denies a critical request; approval starts the run as the requester. */
export async function decideApproval(portal: Portal, user: User | null, runId: string, decision: "approve" | "deny", note?: string): Promise<PipelineResponse> {
  if (!user) return { status: 401, body: { error: "authentication required" } };
  const run = await loadRun(portal, runId);
  if (!run) return { status: 404, body: { error: "no such run" } };
  const reg = portal.registry.actions.get(run.action_id);
  const entry = { action: run.action_id, target: run.target, actor: user.username, roles: user.roles, incidentId: run.incident_id, runId: run.id };
  const reason = (note ?? "").trim().slice(0, 1000) || undefined;
  if (!hasRole(user.roles, "admin")) {
    return stop(portal, { ...entry, outcome: "denied", details: { reason: "approving needs the admin role", decision } }, 403, { error: "forbidden: approving needs the admin role" });
  }
  if (user.username === run.actor) {
    return stop(portal, { ...entry, outcome: "denied", details: { reason: "the requester cannot approve their own request", decision } }, 403, {
      error: "you cannot approve or deny your own request: another admin must decide",
    });
  }
  if (run.status !== "awaiting_approval") return { status: 409, body: { error: `this run is ${run.status}, not awaiting approval`, runId, status: run.status } };
  if (Date.now() >= Number(run.expires_at)) {
    await expireRequest(portal, run).catch(() => {});
    return { status: 409, body: { error: "this request expired: an expired approval counts as denied; request again", runId, status: "expired" } };
  }
  if (decision === "deny") {
    try {
      await audit(portal, { ...entry, outcome: "rejected", details: { reason: reason ?? "denied by approver", requester: run.actor } }, async (db) => {
        const res = await db
          .updateTable("action_runs")
          .set({ status: "rejected", approved_by: user.username, decided_at: Date.now(), finished_at: Date.now(), error: `denied by ${user.username}${reason ? `: ${reason}` : ""}` })
          .where("id", "=", run.id)
          .where("status", "=", "awaiting_approval")
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw new Conflict("already decided");
      });
    } catch (err) {
      if (err instanceof Conflict) return { status: 409, body: { error: "someone else decided this request first", runId } };
      return { status: 503, body: { error: "the audit log cannot be written; nothing was decided" } };
    }
    heldSecretInputs.delete(run.id);
    return { status: 200, body: { runId, status: "rejected" } };
  }

  if (!reg) return { status: 409, body: { error: `the action ${run.action_id} is no longer installed` } };
  // The requester must still be allowed to run it, and the input must still be whole.
  const requester = await portal.store.db.selectFrom("users").select(["roles", "disabled"]).where("username", "=", run.actor).executeTakeFirst();
  if (!requester || requester.disabled || !mayRun(parseRoles(requester.roles), reg.risk)) {
    return { status: 409, body: { error: `${run.actor} may no longer run this action; the request cannot be approved` } };
  }
  let input: unknown = heldSecretInputs.get(run.id);
  if (input === undefined) {
    const raw = JSON.parse(run.input) as { precondition?: unknown };
    const stored = reg.def.input.safeParse(raw);
    // The preview's precondition travels beside the input (the schema does not declare it): keep it.
    const restored = stored.success && typeof raw?.precondition === "string" ? { ...(stored.data as object), precondition: raw.precondition } : stored.data;
    if (!stored.success || inputHash(restored) !== run.input_hash) {
      return { status: 409, body: { error: "this request carried secret input that this server no longer holds; deny it and request again" } };
    }
    input = restored;
  }
  const inputSecrets = secretValuesOf(reg.def.input, input);
  const now = Date.now();
  try {
    await audit(portal, { ...entry, outcome: "approved", details: { requester: run.actor, note: reason } }, async (db) => {
      const res = await db
        .updateTable("action_runs")
        .set({ status: "pending", approved_by: user.username, decided_at: now, owner: INSTANCE_ID, heartbeat_at: now })
        .where("id", "=", run.id)
        .where("status", "=", "awaiting_approval")
        .where("expires_at", ">", now)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Conflict("already decided or expired");
    });
  } catch (err) {
    if (err instanceof Conflict) return { status: 409, body: { error: "this request was already decided, or expired", runId } };
    return { status: 503, body: { error: "the audit log cannot be written; nothing was approved" } };
  }
  heldSecretInputs.delete(run.id);
  return startRun(portal, reg, { ...run, status: "pending", approved_by: user.username }, input, inputSecrets, {
    input: JSON.parse(run.input),
    evidence: run.evidence ? JSON.parse(run.evidence) : null,
    risk: run.risk,
    approvedBy: user.username,
  });
}

export async function expireRequest(portal: Portal, run: Pick<RunRow, "id" | "action_id" | "target" | "actor" | "roles" | "incident_id" | "expires_at">): Promise<void> {
  await audit(
    portal,
    { action: run.action_id, target: run.target, actor: run.actor, roles: parseRoles(run.roles), incidentId: run.incident_id, runId: run.id, outcome: "expired", details: { reason: "no admin approved in time; counts as denied" } },
    async (db) => {
      const res = await db
        .updateTable("action_runs")
        .set({ status: "expired", finished_at: Date.now(), error: "the approval request expired" })
        .where("id", "=", run.id)
        .where("status", "=", "awaiting_approval")
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Conflict("already decided");
    },
  ).catch((err) => {
    if (!(err instanceof Conflict)) throw err;
  });
  heldSecretInputs.delete(run.id);
}

/** A second admin marks a break-glass run as reviewed; it leaves the review queue. */
export async function reviewBreakGlass(portal: Portal, user: User | null, runId: string, note?: string): Promise<PipelineResponse> {
  if (!user) return { status: 401, body: { error: "authentication required" } };
  const run = await loadRun(portal, runId);
  if (!run) return { status: 404, body: { error: "no such run" } };
  const entry = { action: run.action_id, target: run.target, actor: user.username, roles: user.roles, incidentId: run.incident_id, runId: run.id };
  if (!hasRole(user.roles, "admin")) return stop(portal, { ...entry, outcome: "denied", details: { reason: "reviewing needs the admin role" } }, 403, { error: "forbidden: reviewing needs the admin role" });
  if (!run.break_glass) return { status: 409, body: { error: "this run did not use break-glass" } };
  if (run.reviewed_at) return { status: 409, body: { error: `already reviewed by ${run.reviewed_by}` } };
  if (user.username === run.actor) {
    return stop(portal, { ...entry, outcome: "denied", details: { reason: "the operator cannot review their own break-glass run" } }, 403, { error: "another admin must review your break-glass run" });
  }
  try {
    await audit(portal, { ...entry, outcome: "reviewed", details: { operator: run.actor, breakGlassReason: run.break_glass_reason, note: (note ?? "").trim().slice(0, 1000) || undefined } }, async (db) => {
      const res = await db.updateTable("action_runs").set({ reviewed_by: user.username, reviewed_at: Date.now() }).where("id", "=", run.id).where("reviewed_at", "is", null).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Conflict("already reviewed");
    });
  } catch (err) {
    if (err instanceof Conflict) return { status: 409, body: { error: "already reviewed" } };
    return { status: 503, body: { error: "the audit log cannot be written" } };
  }
  return { status: 200, body: { runId, reviewedBy: user.username } };
}

/** Cancels a running run (if the action honours abort) or withdraws a request waiting for approval. */
export async function cancelRun(portal: Portal, user: User | null, runId: string): Promise<PipelineResponse> {
  if (!user) return { status: 401, body: { error: "authentication required" } };
  const run = await loadRun(portal, runId);
  if (!run) return { status: 404, body: { error: "no such run" } };
  const entry = { action: run.action_id, target: run.target, actor: user.username, roles: user.roles, incidentId: run.incident_id, runId: run.id };
  const own = user.username === run.actor;
  if (!(own && hasRole(user.roles, requiredRole(run.risk as Risk))) && !hasRole(user.roles, "admin")) {
    return stop(portal, { ...entry, outcome: "denied", details: { reason: "only the operator or an admin may cancel" } }, 403, { error: "forbidden: only the operator or an admin may cancel this run" });
  }
  if (run.status === "awaiting_approval") {
    try {
      await audit(portal, { ...entry, outcome: "cancelled", details: { reason: "request withdrawn" } }, async (db) => {
        const res = await db
          .updateTable("action_runs")
          .set({ status: "cancelled", cancelled_by: user.username, finished_at: Date.now() })
          .where("id", "=", run.id)
          .where("status", "=", "awaiting_approval")
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw new Conflict("already decided");
      });
    } catch (err) {
      if (err instanceof Conflict) return { status: 409, body: { error: "this request was decided meanwhile" } };
      return { status: 503, body: { error: "the audit log cannot be written" } };
    }
    heldSecretInputs.delete(run.id);
    return { status: 200, body: { runId, status: "cancelled" } };
  }
  const reg = portal.registry.actions.get(run.action_id);
  if (!reg?.def.cancellable) return { status: 409, body: { error: "this action cannot be cancelled once started" } };
  if (run.status !== "started" && run.status !== "pending") return { status: 409, body: { error: `this run is already ${run.status}`, status: run.status } };
  try {
    await audit(portal, { ...entry, outcome: "cancel_requested", details: {} }, async (db) => {
      await db.updateTable("action_runs").set({ cancel_requested: 1, cancelled_by: user.username }).where("id", "=", run.id).execute();
    });
  } catch {
    return { status: 503, body: { error: "the audit log cannot be written" } };
  }
  // The owner instance aborts at once if it is this one, or at its next heartbeat.
  localRuns().get(run.id)?.cancel(user.username);
  return { status: 202, body: { runId, status: "cancelling" } };
}

/** Dry run for the dialog: validated input, target, and the action's preview (no side effects). */
export async function previewAction(portal: Portal, user: User | null, actionId: string, rawBody: unknown): Promise<PipelineResponse> {
  if (!user) return { status: 401, body: { error: "authentication required" } };
  const reg = portal.registry.actions.get(actionId);
  if (!reg) return { status: 404, body: { error: "no such action" } };
  if (!mayRun(user.roles, reg.risk)) return { status: 403, body: { error: `forbidden: ${reg.risk}-risk actions need the ${requiredRole(reg.risk)} role` } };
  const raw = rawBody && typeof rawBody === "object" ? (rawBody as { input?: unknown }).input : undefined;
  const reason = rawBody && typeof rawBody === "object" ? (rawBody as { breakGlassReason?: unknown }).breakGlassReason : undefined;
  const breakGlassReason = reg.risk !== "low" && typeof reason === "string" && reason.trim() ? reason.trim().slice(0, 2000) : undefined;
  const parsed = reg.def.input.safeParse(raw ?? {});
  if (!parsed.success) return { status: 400, body: { error: "the input is not valid", fieldErrors: fieldErrorsOf(parsed.error) } };
  const t = describeTarget(reg, parsed.data);
  if ("error" in t) return { status: 400, body: { error: "the input names no valid target", fieldErrors: { input: [t.error] } } };
  const secrets = [...portal.config.secretValues, ...secretValuesOf(reg.def.input, parsed.data)];
  const dry = await runPreview(portal, reg, parsed.data, user, secrets, breakGlassReason);
  return {
    status: 200,
    body: {
      actionId: reg.id,
      target: t.target,
      risk: reg.risk,
      confirm: reg.risk !== "low",
      approval: reg.risk === "critical",
      preview: dry.preview,
      previewError: dry.error,
      previewInvalid: dry.invalid,
      ...(dry.invalid ? { fieldErrors: dry.fieldErrors } : {}),
    },
  };
}

/** Runs the action's preview with a 10 s timeout. A 4xx error from it means the input is refused. */
async function runPreview(
  portal: Portal,
  reg: RegisteredAction,
  input: unknown,
  user: Actorish,
  secrets: readonly string[],
  breakGlassReason?: string,
): Promise<{ preview: unknown; error: string | null; invalid: boolean; fieldErrors: Record<string, string[]> }> {
  if (!reg.def.preview) return { preview: null, error: null, invalid: false, fieldErrors: {} };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("preview timed out after 10s")), 10_000);
  try {
    const preview = await Promise.race([
      reg.def.preview(input, { signal: controller.signal, actor: { username: user.username, roles: [...user.roles] }, ...(breakGlassReason ? { breakGlassReason } : {}) }),
      new Promise((_, reject) => controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true })),
    ]);
    return { preview: scrubDeep(preview, secrets), error: null, invalid: false, fieldErrors: {} };
  } catch (err) {
    const error = errorText(err, secrets);
    const status = (err as { status?: unknown } | null)?.status;
    const invalid = typeof status === "number" && status >= 400 && status < 500;
    const given = (err as { fieldErrors?: unknown } | null)?.fieldErrors;
    const fieldErrors = given && typeof given === "object" && Object.keys(given).length ? (scrubDeep(given, secrets) as Record<string, string[]>) : { input: [error] };
    if (!invalid) portal.log.warn({ action: reg.id, error }, "preview failed");
    return { preview: null, error, invalid, fieldErrors: invalid ? fieldErrors : {} };
  } finally {
    clearTimeout(timer);
  }
}

/** What the dialog needs to draw the form: JSON Schema of the input, risk, rules. */
export function describeAction(reg: RegisteredAction) {
  let schema: unknown = null;
  try {
    schema = z.toJSONSchema(reg.def.input, { unrepresentable: "any", io: "input" });
  } catch {
    schema = null;
  }
  const secretFields: string[] = [];
  const def = (reg.def.input as any)._zod?.def;
  if (def?.type === "object") {
    for (const [k, s] of Object.entries(def.shape as Record<string, z.ZodType>)) {
      const probeValue = redactBySchema(z.object({ [k]: s }), { [k]: "x" }) as Record<string, unknown>;
      if (probeValue[k] !== "x") secretFields.push(k);
    }
  }
  return {
    id: reg.id,
    title: reg.def.title,
    description: reg.def.description ?? null,
    risk: reg.risk,
    requiredRole: requiredRole(reg.risk),
    confirm: reg.risk !== "low",
    approval: reg.risk === "critical",
    cancellable: !!reg.def.cancellable,
    rateLimit: reg.def.rateLimit ?? null,
    schema,
    secretFields,
  };
}
