import { z } from "zod";
import { hasRole } from "~/lib/roles";
import { ConflictError, ForbiddenError, InputError, NotFoundError, parseDuration, PortalError, UnauthenticatedError, UnavailableError } from "../../../plugins/plugin-api";
import { audit } from "../audit/audit.server";
import { auditAnonymousDenial } from "../audit/anonymous-denials.server";
import { canonicalJson, JsonTooDeepError } from "../audit/chain.server";
import type { User } from "../auth.server";
import { newId } from "../ids.server";
import type { RegisteredAction } from "../plugins/registry.server";
import type { Portal } from "../portal.server";
import { redactBySchema, scrub, secretValuesOf } from "../secrets/index.server";
import { recordRunOrigin } from "../incidents/joining.server";
import { runPreview, upstreamRefusal } from "./dry-run.server";
import { actorOf, auditAnswered, describeTarget, fieldErrorsOf, inputHash, mayRun, refuse, requiredRole, type RunAnswer } from "./policy.server";
import { storeRequest } from "./requests.server";
import { INSTANCE_ID, type RunRow } from "./runner.server";
import { startRun } from "./run-start.server";
import { markRefused } from "./transitions.server";
import { notifyDecisionWaiting, notifyRun, previewText } from "../notifications/events.server";

const MAX_EVIDENCE = 64 * 1024;

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
  /** Why a request for a second admin is made (checked by the front door, request-reason.server): the approver reads it. */
  reason: z.string().max(2000).optional().nullable(),
  /** The preview's precondition (e.g. a document's update time): the run refuses if it changed since. */
  precondition: z.string().max(500).optional().nullable(),
});

export interface SubmitOptions {
  /** The body could not be read (too large, not JSON…): refused and audited as invalid. */
  bodyError?: PortalError;
  /** The client's address: anonymous refusals are rate-limited per address. */
  address?: string;
  /** The runbook page it was pressed on: recorded with the run, in the transaction that files or starts it. */
  origin?: string | null;
}

/**
 * The guard pipeline, in DESIGN.md order: authenticate → authorize → validate (zod, then the
 * action's dry run) → confirm → approval → idempotency → lock → rate limit → audit "started" → run.
 * Each stop is audited and thrown as a member of the error family; the answer is the run
 * (`started` or `awaiting_approval`, or the existing run for a repeated idempotency key).
 */
export async function submitAction(portal: Portal, user: User | null, actionId: string, rawBody: unknown, options: SubmitOptions = {}): Promise<RunAnswer> {
  const reg = portal.registry.actions.get(actionId);
  const actionLabel = String(actionId).slice(0, 200);
  const base = { action: actionLabel, target: reg ? reg.id : actionLabel };

  // 1. authenticate
  if (!user) {
    try {
      await auditAnonymousDenial(portal, options.address ?? "unknown", { ...base, outcome: "denied", details: { reason: "not signed in" } });
    } catch {
      throw new UnauthenticatedError("authentication required", { body: { auditError: "the refusal could not be written to the audit log" } });
    }
    throw new UnauthenticatedError("authentication required");
  }
  const who = actorOf(user);
  if (!reg) {
    return refuse(portal, { ...base, ...who, outcome: "invalid", details: { reason: "unknown action" } }, new NotFoundError(`no action "${actionLabel}"`));
  }

  // 2. authorize (default deny: undeclared risk is critical, unknown roles hold nothing)
  const role = requiredRole(reg.risk);
  if (!mayRun(user.roles, reg.risk)) {
    return refuse(portal, { ...base, ...who, outcome: "denied", details: { reason: `needs the ${role} role`, risk: reg.risk } }, new ForbiddenError(`${reg.risk}-risk actions need the ${role} role`));
  }

  // 3. validate
  if (options.bodyError) {
    return refuse(portal, { ...base, ...who, outcome: "invalid", details: { reason: options.bodyError.message } }, options.bodyError);
  }
  const body = BodySchema.safeParse(rawBody ?? {});
  if (!body.success) {
    const fieldErrors = fieldErrorsOf(body.error);
    return refuse(portal, { ...base, ...who, outcome: "invalid", details: { reason: "malformed request", fieldErrors } }, new InputError("the request is not valid", { fieldErrors }));
  }
  const req = body.data;
  const parsed = reg.def.input.safeParse(req.input ?? {});
  if (!parsed.success) {
    const fieldErrors = fieldErrorsOf(parsed.error);
    return refuse(portal, { ...base, ...who, outcome: "invalid", incidentId: req.incidentId, details: { reason: "input failed validation", fieldErrors } }, new InputError("the input is not valid", { fieldErrors }));
  }
  const precondition = req.precondition ?? null;
  const input = precondition ? { ...(parsed.data as object), precondition } : parsed.data;
  const redacted = redactBySchema(reg.def.input, input);
  const inputSecrets = secretValuesOf(reg.def.input, input);
  const secrets = [...portal.config.secretValues, ...inputSecrets];
  const t = describeTarget(reg, input);
  if ("error" in t) {
    return refuse(portal, { ...base, ...who, outcome: "invalid", details: { reason: `target: ${t.error}` } }, new InputError("the input names no valid target", { fieldErrors: { input: [t.error] } }));
  }
  const target = t.target;
  const entry = { action: reg.id, target, ...who, incidentId: req.incidentId ?? null };

  let evidence: unknown = null;
  let evidenceJson: string | null = null;
  if (req.evidence !== undefined && req.evidence !== null) {
    try {
      canonicalJson(req.evidence); // depth check first: the scrubber would cut a deep value silently
      evidence = scrub(req.evidence, secrets);
      evidenceJson = canonicalJson(evidence);
    } catch (err) {
      if (!(err instanceof JsonTooDeepError)) throw err;
      return refuse(portal, { ...entry, outcome: "invalid", details: { reason: "evidence nested too deep" } }, new InputError("the evidence is nested too deep", { fieldErrors: { evidence: [err.message] } }));
    }
    if (evidenceJson.length > MAX_EVIDENCE) {
      return refuse(portal, { ...entry, outcome: "invalid", details: { reason: "evidence too large" } }, new InputError("the evidence is too large", { fieldErrors: { evidence: [`at most ${MAX_EVIDENCE} bytes`] } }));
    }
  }

  // Break-glass (high and critical): the dry run and the run see the reason (e.g. to allow a key outside the usual patterns).
  const breakGlassAsked = reg.risk !== "low" && req.breakGlassReason !== undefined && req.breakGlassReason !== null ? req.breakGlassReason.trim() : null;

  // 3b. the dry run must accept the input (over-refund, unknown order…), unless this key already has a run
  let preview: unknown = null;
  if (reg.def.preview) {
    const key = req.idempotencyKey ? `${user.username}|${reg.id}|${req.idempotencyKey}` : null;
    const known = key ? await portal.store.db.selectFrom("action_runs").select("id").where("idempotency_key", "=", key).executeTakeFirst() : undefined;
    if (!known) {
      const dry = await runPreview(portal, reg, parsed.data, user, secrets, breakGlassAsked ?? undefined, { precondition });
      if (dry.kind === "invalid") {
        return refuse(portal, { ...entry, outcome: "invalid", details: { reason: `the dry run refused the input: ${dry.error}`, input: redacted } }, new InputError(dry.error, { fieldErrors: dry.fieldErrors }));
      }
      if (dry.kind === "upstream") {
        return refuse(
          portal,
          { ...entry, outcome: "upstream_failed", details: { reason: `the dry run could not complete: ${dry.error}`, providerStatus: dry.providerStatus, input: redacted } },
          upstreamRefusal(dry, "the provider failed during the dry run: "),
        );
      }
      if (dry.kind === "ok") preview = dry.preview;
    }
  }

  // 4. typed confirmation
  if (reg.risk !== "low" && (req.confirm ?? "").trim() !== target) {
    return refuse(
      portal,
      { ...entry, outcome: "invalid", details: { reason: "typed confirmation does not match the target", input: redacted } },
      new InputError(`type the target "${target}" to confirm`, { fieldErrors: { confirm: [`type "${target}" to confirm`] }, body: { target } }),
    );
  }

  // 5. approval (critical): a second admin, or break-glass with a reason (also accepted on high risk, reviewed alike)
  let breakGlass: string | null = null;
  if (breakGlassAsked !== null) {
    breakGlass = breakGlassAsked;
    if (breakGlass.length < 10) {
      return refuse(
        portal,
        { ...entry, outcome: "invalid", details: { reason: "break-glass without a reason" } },
        new InputError("break-glass needs a reason", { fieldErrors: { breakGlassReason: ["say why this cannot wait for a second admin (at least 10 characters)"] } }),
      );
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
    evidence: evidenceJson,
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
    if (!existing) throw new ConflictError("conflicting request; retry");
    if (existing.input_hash !== run.input_hash) {
      return refuse(
        portal,
        { ...entry, runId: existing.id, outcome: "duplicate", details: { reason: "idempotency key reused with different input" } },
        new ConflictError("this idempotency key was already used with different input", { body: { runId: existing.id, status: existing.status } }),
      );
    }
    return auditAnswered(portal, { ...entry, runId: existing.id, outcome: "duplicate", details: { reason: "same idempotency key: returning the existing run" } }, {
      runId: existing.id,
      status: existing.status,
      duplicate: true as const,
    });
  }

  const startDetails = { input: redacted, evidence, risk: reg.risk, via: who.via, ...(breakGlass ? { breakGlass: true, breakGlassReason: breakGlass } : {}) };
  if (needsApproval) {
    // The request, its input (secret fields sealed) and the preview the requester saw are stored
    // with the "requested" entry, in one transaction: any instance can approve it, after restarts too.
    try {
      await audit(
        portal,
        { ...entry, runId: run.id, outcome: "requested", details: { ...startDetails, preview, ...(req.reason ? { reason: req.reason } : {}), expiresAt: new Date(run.expires_at!).toISOString() } },
        async (db) => {
          await storeRequest(db, portal, run.id, { input: parsed.data, precondition, preview, hasSecrets: canonicalJson(redacted) !== canonicalJson(input) });
          await notifyDecisionWaiting(db, { kind: "approval.requested", runId: run.id, actionId: reg.id, title: reg.def.title, target, requester: user.username, risk: reg.risk, preview: previewText(preview), plugin: reg.pluginId }, now);
          if (options.origin) await recordRunOrigin(db, run.id, options.origin);
        },
        inputSecrets,
      );
    } catch {
      await markRefused(portal, run.id, "the audit log could not be written; the request was not filed");
      throw new UnavailableError("the audit log cannot be written, so the request was not filed", { body: { runId: run.id, status: "refused" } });
    }
    return { runId: run.id, status: "awaiting_approval", expiresAt: new Date(run.expires_at!).toISOString() };
  }

  const origin = options.origin;
  const also = async (db: Parameters<typeof recordRunOrigin>[0]) => {
    if (origin) await recordRunOrigin(db, run.id, origin);
    if (breakGlass) await notifyRun(db, { kind: "action.break-glass", runId: run.id, actionId: reg.id, target, actor: user.username, reason: breakGlass, risk: reg.risk }, now);
  };
  return startRun(portal, reg, run, input, inputSecrets, startDetails, origin || breakGlass ? also : undefined);
}

/** Dry run for the dialog: validated input, target, and the action's preview (no side effects, not audited); a refused input is an answer (`previewInvalid`), a failed provider is thrown. */
export async function previewAction(portal: Portal, user: User | null, actionId: string, rawBody: unknown) {
  if (!user) throw new UnauthenticatedError();
  const reg = portal.registry.actions.get(actionId);
  if (!reg) throw new NotFoundError("no such action");
  // A responder who may only ask sees the dry run too: the request carries it to the admin.
  if (!mayRun(user.roles, reg.risk) && !hasRole(user.roles, "responder")) throw new ForbiddenError(`${reg.risk}-risk actions need the ${requiredRole(reg.risk)} role`);
  const raw = rawBody && typeof rawBody === "object" ? (rawBody as { input?: unknown }).input : undefined;
  const reason = rawBody && typeof rawBody === "object" ? (rawBody as { breakGlassReason?: unknown }).breakGlassReason : undefined;
  const breakGlassReason = reg.risk !== "low" && typeof reason === "string" && reason.trim() ? reason.trim().slice(0, 2000) : undefined;
  const parsed = reg.def.input.safeParse(raw ?? {});
  if (!parsed.success) throw new InputError("the input is not valid", { fieldErrors: fieldErrorsOf(parsed.error) });
  const t = describeTarget(reg, parsed.data);
  if ("error" in t) throw new InputError("the input names no valid target", { fieldErrors: { input: [t.error] } });
  const secrets = [...portal.config.secretValues, ...secretValuesOf(reg.def.input, parsed.data)];
  const dry = await runPreview(portal, reg, parsed.data, user, secrets, breakGlassReason);
  const shape = { actionId: reg.id, target: t.target, risk: reg.risk, confirm: reg.risk !== "low", approval: reg.risk === "critical" };
  if (dry.kind === "upstream") throw upstreamRefusal(dry, "the provider failed during the dry run: ", { ...shape, previewError: dry.error, previewInvalid: false });
  return {
    ...shape,
    preview: dry.kind === "ok" ? dry.preview : null,
    previewError: dry.kind === "invalid" ? dry.error : null,
    previewInvalid: dry.kind === "invalid",
    ...(dry.kind === "invalid" ? { fieldErrors: dry.fieldErrors } : {}),
  };
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

