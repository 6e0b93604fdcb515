import type { Selectable } from "kysely";
import { z } from "zod";
import {
  canEditIncidents,
  canRespond,
  isStatus,
  OPEN_STATUSES,
  parseSeverity,
  SEVERITIES,
  STATUSES,
  type IncidentStatus,
  type Severity,
} from "~/lib/incidents";
import { newId } from "../ids.server";
import type { Database } from "../db/schema";
import type { Store } from "../db/store.server";
import { ForbiddenError, InputError, NotFoundError } from "../http/errors.server";
import { scrub, scrubText } from "../secrets/index.server";
import { incidentMetrics } from "./metrics.server";
import { notifyIncidentChanged, notifyIncidentDeclared } from "../notifications/events.server";

export interface Actor {
  username: string;
  roles: readonly string[];
}

export interface ReportFields {
  summary: string;
  usersAffected: string;
  revenueImpact: string;
  servicesAffected: string;
  rootCause: string;
  resolution: string;
  lessonsLearned: string;
}

export const REPORT_FIELDS: (keyof ReportFields)[] = ["summary", "usersAffected", "revenueImpact", "servicesAffected", "rootCause", "resolution", "lessonsLearned"];

export interface Incident {
  id: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  commander: string | null;
  declaredBy: string;
  declaredAt: number;
  detectedAt: number;
  impactStartedAt: number | null;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  updateEveryMin: number;
  runbooks: string[];
  plugins: string[];
  /** Only the fields someone saved; the report page prefills the rest. */
  report: Partial<ReportFields>;
  updatedAt: number;
}

export interface PreventionItem {
  id: string;
  incidentId: string;
  description: string;
  owner: string;
  dueAt: number | null;
  doneAt: number | null;
  createdAt: number;
}

/** Bad input: answered 400 with these field errors. */
/** 400 with field errors (the HTTP edge's `InputError`). */
export class IncidentInputError extends InputError {}

/** 403 (the HTTP edge's `ForbiddenError`). */
export class IncidentForbiddenError extends ForbiddenError {}

/** 404 (the HTTP edge's `NotFoundError`). */
export class IncidentNotFoundError extends NotFoundError {
  constructor(public readonly incidentId: string) {
    super("There is no such incident.");
  }
}

/* ------------------------------------------------------------------ inputs */

/** Epoch ms, an ISO time, or a `datetime-local` value (read as UTC). Empty → undefined. */
export const TimeSchema = z.preprocess(
  (v) => {
    if (v === "" || v === null || v === undefined) return undefined;
    if (typeof v === "number") return v;
    if (typeof v === "string") {
      if (/^\d{10,}$/.test(v.trim())) return Number(v.trim());
      const s = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v.trim()) ? `${v.trim()}Z` : v.trim();
      const t = Date.parse(s);
      return Number.isFinite(t) ? t : v;
    }
    return v;
  },
  z.number({ error: "must be a time (ISO 8601 or epoch ms)" }).int().min(0).optional(),
);

const SeveritySchema = z.string({ error: `must be one of ${SEVERITIES.join(", ")} (Sev1–Sev3 accepted)` }).transform((v, ctx) => {
  const s = parseSeverity(v);
  if (!s) {
    ctx.addIssue({ code: "custom", message: `must be one of ${SEVERITIES.join(", ")} (Sev1–Sev3 accepted)` });
    return z.NEVER;
  }
  return s;
});

const RUNBOOK_PATH = /^[A-Za-z0-9][A-Za-z0-9._\-/ ]{0,290}$/;
const RunbookPathSchema = z
  .string()
  .trim()
  .transform((v) => v.replace(/^\/?runbooks\//, "").replace(/\.md$/, ""))
  .refine((v) => RUNBOOK_PATH.test(v) && !v.includes(".."), { message: "must be a runbook path such as payments/stripe-webhooks" });
const PluginIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be a plugin id");
const UsernameSchema = z.string().trim().min(1).max(64).regex(/^[a-z0-9][a-z0-9._-]*$/, "must be a username");
const listOf = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v), z.array(item).max(50));

export const DeclareSchema = z.object({
  title: z.string({ error: "is required" }).trim().min(3, "must be at least 3 characters").max(300),
  severity: SeveritySchema,
  runbook: RunbookPathSchema.optional(),
  runbooks: listOf(RunbookPathSchema).optional(),
  plugins: listOf(PluginIdSchema).optional(),
  commander: UsernameSchema.optional(),
  detectedAt: TimeSchema,
  impactStartedAt: TimeSchema,
  note: z.string().max(10_000).optional(),
  updateEveryMin: z.coerce.number().int().min(1).max(24 * 60).optional(),
});
export type DeclareInput = z.input<typeof DeclareSchema>;

export const EventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("note"), text: z.string({ error: "is required" }).trim().min(1, "write something").max(20_000) }),
  z.object({
    type: z.literal("status"),
    status: z.string({ error: "is required" }).refine(isStatus, { message: `must be one of ${STATUSES.join(", ")}` }),
    text: z.string().max(20_000).optional(),
  }),
  z.object({
    type: z.literal("checklist"),
    text: z.string({ error: "is required" }).trim().min(1).max(2_000),
    checked: z.preprocess((v) => (v === "false" ? false : v === "true" ? true : v), z.boolean()).default(true),
    task: z.coerce.number().int().min(0).optional(),
    runbook: RunbookPathSchema.optional(),
  }),
  z.object({ type: z.literal("severity"), severity: SeveritySchema, text: z.string().max(20_000).optional() }),
  z.object({ type: z.literal("commander"), commander: UsernameSchema }),
]);
export type EventInput = z.input<typeof EventSchema>;

export const UpdateSchema = z.object({
  title: z.string().trim().min(3, "must be at least 3 characters").max(300).optional(),
  severity: SeveritySchema.optional(),
  commander: z.union([UsernameSchema, z.literal("")]).optional(),
  detectedAt: TimeSchema,
  impactStartedAt: z.union([z.literal(null), TimeSchema]),
  declaredAt: TimeSchema,
  resolvedAt: TimeSchema,
  runbooks: listOf(RunbookPathSchema).optional(),
  plugins: listOf(PluginIdSchema).optional(),
  updateEveryMin: z.coerce.number().int().min(1).max(24 * 60).optional(),
});

export const MarkSchema = z.object({
  entry: z.string().regex(/^(ev|audit|probe):[A-Za-z0-9_.:-]{1,90}$/, "must be a timeline entry key"),
  pinned: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean()).optional(),
  hidden: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean()).optional(),
  /** A new time for the entry; null puts the original back. */
  correctedAt: z.union([z.literal(null), TimeSchema]),
});

const text = (max: number) => z.string().max(max).optional();
export const ReportSchema = z.object({
  summary: text(20_000),
  usersAffected: text(2_000),
  revenueImpact: text(2_000),
  servicesAffected: text(2_000),
  rootCause: text(50_000),
  resolution: text(50_000),
  lessonsLearned: text(50_000),
});

export const PreventionItemSchema = z.object({
  description: z.string({ error: "is required" }).trim().min(3, "must be at least 3 characters").max(2_000),
  owner: z.string({ error: "is required" }).trim().min(1, "is required").max(100),
  dueAt: TimeSchema,
});

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) {
      const key = issue.path.length ? issue.path.map(String).join(".") : "form";
      (fieldErrors[key] ??= []).push(issue.message);
    }
    throw new IncidentInputError(fieldErrors);
  }
  return parsed.data;
}

/* ------------------------------------------------------------------- reads */

type IncidentRow = Selectable<Database["incidents"]>;

function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toIncident(row: IncidentRow, links: { kind: string; ref: string }[]): Incident {
  return {
    id: row.id,
    title: row.title,
    severity: row.severity as Severity,
    status: row.status as IncidentStatus,
    commander: row.commander,
    declaredBy: row.declared_by,
    declaredAt: Number(row.declared_at),
    detectedAt: Number(row.detected_at),
    impactStartedAt: row.impact_started_at == null ? null : Number(row.impact_started_at),
    acknowledgedAt: row.acknowledged_at == null ? null : Number(row.acknowledged_at),
    resolvedAt: row.resolved_at == null ? null : Number(row.resolved_at),
    closedAt: row.closed_at == null ? null : Number(row.closed_at),
    updateEveryMin: Number(row.update_every_min),
    runbooks: links.filter((l) => l.kind === "runbook").map((l) => l.ref).sort(),
    plugins: links.filter((l) => l.kind === "plugin").map((l) => l.ref).sort(),
    report: parseJson<Partial<ReportFields>>(row.report, {}),
    updatedAt: Number(row.updated_at),
  };
}

/** The incident as shown: every configured secret scrubbed from its title and report text. */
export function scrubIncident(incident: Incident, secrets: readonly string[]): Incident {
  if (!secrets.length) return incident;
  return { ...incident, title: scrubText(incident.title, secrets), report: scrub(incident.report, secrets) };
}

export async function getIncident(store: Store, id: string): Promise<Incident | null> {
  const row = await store.db.selectFrom("incidents").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) return null;
  const links = await store.db.selectFrom("incident_links").select(["kind", "ref"]).where("incident_id", "=", id).execute();
  return toIncident(row, links);
}

export async function requireIncident(store: Store, id: string): Promise<Incident> {
  const incident = await getIncident(store, id);
  if (!incident) throw new IncidentNotFoundError(id);
  return incident;
}

export interface ListOptions {
  /** open: investigating/identified/monitoring; all: everything. */
  state?: "open" | "resolved" | "all";
  runbook?: string;
  limit?: number;
  /** Secret values scrubbed from the titles and report text. */
  secrets?: readonly string[];
}

export async function listIncidents(store: Store, options: ListOptions = {}): Promise<Incident[]> {
  let q = store.db.selectFrom("incidents").selectAll();
  if (options.state === "open") q = q.where("status", "in", [...OPEN_STATUSES]);
  if (options.state === "resolved") q = q.where("status", "in", ["resolved", "closed"]);
  if (options.runbook) {
    const runbook = options.runbook;
    q = q.where("id", "in", (eb) => eb.selectFrom("incident_links").select("incident_id").where("kind", "=", "runbook").where("ref", "=", runbook));
  }
  const rows = await q.orderBy("declared_at", "desc").limit(Math.min(options.limit ?? 200, 1000)).execute();
  if (!rows.length) return [];
  const links = await store.db
    .selectFrom("incident_links")
    .select(["incident_id", "kind", "ref"])
    .where("incident_id", "in", rows.map((r) => r.id))
    .execute();
  return rows.map((r) => scrubIncident(toIncident(r, links.filter((l) => l.incident_id === r.id)), options.secrets ?? []));
}

export async function listPreventionItems(store: Store, incidentId: string, secrets: readonly string[] = []): Promise<PreventionItem[]> {
  const rows = await store.db.selectFrom("incident_prevention_items").selectAll().where("incident_id", "=", incidentId).orderBy("created_at").orderBy("id").execute();
  return rows.map(toPreventionItem).map((item) => ({ ...item, description: scrubText(item.description, secrets), owner: scrubText(item.owner, secrets) }));
}

function toPreventionItem(r: any): PreventionItem {
  return {
    id: r.id,
    incidentId: r.incident_id,
    description: r.description,
    owner: r.owner,
    dueAt: r.due_at == null ? null : Number(r.due_at),
    doneAt: r.done_at == null ? null : Number(r.done_at),
    createdAt: Number(r.created_at),
  };
}

/* ------------------------------------------------------------------ writes */

export interface WriteOptions {
  now?: number;
}

/** What a runbook links: its plugins (from front matter). Null when there is no such runbook. */
export type RunbookLookup = (path: string) => Promise<{ path: string; plugins: string[] } | null>;

export async function declareIncident(
  store: Store,
  actor: Actor,
  input: unknown,
  options: WriteOptions & { lookupRunbook?: RunbookLookup; knownPlugins?: readonly string[]; unacknowledged?: boolean } = {},
): Promise<Incident> {
  if (!canRespond(actor.roles)) throw new IncidentForbiddenError("declaring an incident needs the responder, manager or admin role");
  const data = parseInput(DeclareSchema, input);
  const now = options.now ?? Date.now();
  const runbooks = new Set<string>([...(data.runbooks ?? []), ...(data.runbook ? [data.runbook] : [])]);
  const plugins = new Set<string>(data.plugins ?? []);
  if (options.lookupRunbook) {
    for (const path of [...runbooks]) {
      const found = await options.lookupRunbook(path);
      if (!found) throw new IncidentInputError({ runbook: [`no runbook at ${path}`] });
      runbooks.delete(path);
      runbooks.add(found.path);
      for (const p of found.plugins) plugins.add(p);
    }
  }
  if (options.knownPlugins) {
    const unknown = [...plugins].filter((p) => !options.knownPlugins!.includes(p));
    if (unknown.length) throw new IncidentInputError({ plugins: [`unknown plugin(s): ${unknown.join(", ")}`] });
  }
  const detectedAt = Math.min(data.detectedAt ?? now, now);
  const impactStartedAt = data.impactStartedAt ?? null;
  if (impactStartedAt != null && impactStartedAt > now) throw new IncidentInputError({ impactStartedAt: ["cannot be in the future"] });
  // Declared by an alert rule: nobody has taken it yet, so MTTA runs until someone acknowledges.
  const commander = data.commander ?? (options.unacknowledged ? null : actor.username);
  const id = newId("inc_");
  await store.db.transaction().execute(async (trx) => {
    await trx
      .insertInto("incidents")
      .values({
        id,
        title: data.title,
        severity: data.severity,
        status: "investigating",
        commander,
        declared_by: actor.username,
        declared_at: now,
        detected_at: detectedAt,
        impact_started_at: impactStartedAt,
        // Declaring with a commander is the acknowledgement (the seed's "Owner: [Your name]").
        acknowledged_at: options.unacknowledged ? null : now,
        resolved_at: null,
        closed_at: null,
        update_every_min: data.updateEveryMin ?? 15,
        report: "{}",
        updated_at: now,
      })
      .execute();
    const links = [...[...runbooks].map((ref) => ({ incident_id: id, kind: "runbook", ref })), ...[...plugins].map((ref) => ({ incident_id: id, kind: "plugin", ref }))];
    if (links.length) await trx.insertInto("incident_links").values(links).execute();
    await trx
      .insertInto("incident_events")
      .values({
        id: eventId(now),
        incident_id: id,
        type: "declared",
        at: now,
        corrected_at: null,
        actor: actor.username,
        text: data.note?.trim() ?? "",
        data: JSON.stringify({ severity: data.severity, commander, runbooks: [...runbooks], plugins: [...plugins] }),
        pinned: 0,
        hidden: 0,
      })
      .execute();
    await notifyIncidentDeclared(trx, { id, title: data.title, severity: data.severity, status: "investigating", commander, plugins: [...plugins], runbooks: [...runbooks] }, now, { actor: actor.username, unacknowledged: !!options.unacknowledged });
  });
  incidentMetrics().declared.inc({ severity: data.severity });
  return (await getIncident(store, id))!;
}

let eventCounter = 0;
/** Sortable ids: entries written in the same millisecond keep their order on the timeline. */
function eventId(at: number): string {
  eventCounter = (eventCounter + 1) % 36 ** 4;
  return `ev_${Math.max(0, at).toString(36).padStart(9, "0")}${eventCounter.toString(36).padStart(4, "0")}${newId().slice(0, 6)}`;
}

async function insertEvent(
  store: Store | { db: any },
  incidentId: string,
  actor: string,
  type: string,
  at: number,
  text: string,
  data: Record<string, unknown> = {},
): Promise<string> {
  const id = eventId(at);
  await store.db
    .insertInto("incident_events")
    .values({ id, incident_id: incidentId, type, at, corrected_at: null, actor, text, data: JSON.stringify(data), pinned: 0, hidden: 0 })
    .execute();
  return id;
}

/** A responder's entry: a note, a status update, a checklist tick; editors also change severity and commander. */
export async function addEvent(store: Store, actor: Actor, incidentId: string, input: unknown, options: WriteOptions = {}): Promise<{ id: string; incident: Incident }> {
  if (!canRespond(actor.roles)) throw new IncidentForbiddenError("writing to an incident needs the responder, manager or admin role");
  const incident = await requireIncident(store, incidentId);
  const ev = parseInput(EventSchema, input);
  const now = options.now ?? Date.now();
  const editor = canEditIncidents(actor.roles);
  if (incident.status === "closed" && !editor) throw new IncidentForbiddenError("this incident is closed; a manager or admin can reopen it");
  let id: string;
  switch (ev.type) {
    case "note":
      id = await insertEvent(store, incidentId, actor.username, "note", now, ev.text);
      await touch(store, incidentId, now);
      break;
    case "checklist":
      id = await insertEvent(store, incidentId, actor.username, "checklist", now, ev.text, { checked: ev.checked, task: ev.task ?? null, runbook: ev.runbook ?? null });
      await touch(store, incidentId, now);
      break;
    case "status": {
      const to = ev.status as IncidentStatus;
      if (to === incident.status) throw new IncidentInputError({ status: [`the incident is already ${to}`] });
      if (to === "closed") {
        if (!editor) throw new IncidentForbiddenError("closing an incident after review needs the manager or admin role");
        if (incident.status !== "resolved") throw new IncidentInputError({ status: ["only a resolved incident can be closed"] });
      }
      if (incident.status === "closed" && to !== "resolved") throw new IncidentInputError({ status: ["a closed incident reopens to resolved first"] });
      const set: Record<string, unknown> = { status: to, updated_at: now };
      if (to === "resolved" && incident.resolvedAt == null) set.resolved_at = now;
      if (to === "closed") set.closed_at = now;
      if ((OPEN_STATUSES as readonly string[]).includes(to)) {
        set.resolved_at = null;
        set.closed_at = null;
      }
      if (to === "resolved") set.closed_at = null;
      await store.db.transaction().execute(async (trx) => {
        await trx.updateTable("incidents").set(set).where("id", "=", incidentId).execute();
        id = await insertEvent({ db: trx }, incidentId, actor.username, "status", now, ev.text?.trim() ?? "", { from: incident.status, to });
        await notifyIncidentChanged(trx, incidentId, { what: "status", to, by: actor.username, text: ev.text?.trim() }, now);
      });
      break;
    }
    case "severity": {
      if (!editor) throw new IncidentForbiddenError("changing severity needs the manager or admin role");
      if (ev.severity === incident.severity) throw new IncidentInputError({ severity: [`the incident is already ${ev.severity}`] });
      await store.db.transaction().execute(async (trx) => {
        await trx.updateTable("incidents").set({ severity: ev.severity, updated_at: now }).where("id", "=", incidentId).execute();
        id = await insertEvent({ db: trx }, incidentId, actor.username, "severity", now, ev.text?.trim() ?? "", { from: incident.severity, to: ev.severity });
        await notifyIncidentChanged(trx, incidentId, { what: "severity", to: ev.severity, by: actor.username, text: ev.text?.trim() }, now);
      });
      break;
    }
    case "commander": {
      if (!editor && actor.username !== ev.commander) throw new IncidentForbiddenError("handing command to someone else needs the manager or admin role");
      await store.db.transaction().execute(async (trx) => {
        await trx
          .updateTable("incidents")
          .set({ commander: ev.commander, updated_at: now, ...(incident.acknowledgedAt == null ? { acknowledged_at: now } : {}) })
          .where("id", "=", incidentId)
          .execute();
        id = await insertEvent({ db: trx }, incidentId, actor.username, "commander", now, "", { from: incident.commander, to: ev.commander });
        await notifyIncidentChanged(trx, incidentId, { what: "commander", to: ev.commander, by: actor.username }, now);
      });
      break;
    }
  }
  incidentMetrics().entries.inc({ type: ev.type });
  return { id: id!, incident: (await getIncident(store, incidentId))! };
}

async function touch(store: Store, incidentId: string, now: number) {
  await store.db.updateTable("incidents").set({ updated_at: now }).where("id", "=", incidentId).execute();
}

function requireEditor(actor: Actor, what: string) {
  if (!canEditIncidents(actor.roles)) throw new IncidentForbiddenError(`${what} needs the manager or admin role`);
}

/** Managers and admins edit the incident's fields; each change that matters lands on the timeline. */
export async function updateIncident(store: Store, actor: Actor, incidentId: string, input: unknown, options: WriteOptions = {}): Promise<Incident> {
  requireEditor(actor, "editing an incident");
  const incident = await requireIncident(store, incidentId);
  const data = parseInput(UpdateSchema, input);
  const now = options.now ?? Date.now();
  const set: Record<string, unknown> = {};
  const changes: string[] = [];
  if (data.title !== undefined && data.title !== incident.title) {
    set.title = data.title;
    changes.push(`title → "${data.title}"`);
  }
  if (data.commander !== undefined && (data.commander || null) !== incident.commander) {
    set.commander = data.commander || null;
    changes.push(`commander → ${data.commander || "nobody"}`);
  }
  const times: [keyof typeof data, string, string, number | null][] = [
    ["detectedAt", "detected_at", "detected", incident.detectedAt],
    ["impactStartedAt", "impact_started_at", "impact started", incident.impactStartedAt],
    ["declaredAt", "declared_at", "declared", incident.declaredAt],
    ["resolvedAt", "resolved_at", "resolved", incident.resolvedAt],
  ];
  for (const [key, column, label, current] of times) {
    const v = data[key] as number | null | undefined;
    // Forms carry minutes only: the same minute is no change.
    if (v === undefined || v === current || (v != null && current != null && v === Math.floor(current / 60_000) * 60_000)) continue;
    if (key === "resolvedAt" && incident.resolvedAt == null) throw new IncidentInputError({ resolvedAt: ["resolve the incident first"] });
    set[column] = v;
    changes.push(`${label} time → ${v == null ? "none" : new Date(v).toISOString()}`);
  }
  if (data.updateEveryMin !== undefined && data.updateEveryMin !== incident.updateEveryMin) {
    set.update_every_min = data.updateEveryMin;
    changes.push(`status updates every ${data.updateEveryMin} min`);
  }
  await store.db.transaction().execute(async (trx) => {
    if (data.severity && data.severity !== incident.severity) {
      set.severity = data.severity;
      await insertEvent({ db: trx }, incidentId, actor.username, "severity", now, "", { from: incident.severity, to: data.severity });
    }
    for (const [kind, next] of [["runbook", data.runbooks], ["plugin", data.plugins]] as const) {
      if (!next) continue;
      const current = kind === "runbook" ? incident.runbooks : incident.plugins;
      const want = [...new Set(next)];
      if (want.slice().sort().join(",") === current.join(",")) continue;
      await trx.deleteFrom("incident_links").where("incident_id", "=", incidentId).where("kind", "=", kind).execute();
      if (want.length) await trx.insertInto("incident_links").values(want.map((ref) => ({ incident_id: incidentId, kind, ref }))).execute();
      changes.push(`${kind}s → ${want.join(", ") || "none"}`);
    }
    if (changes.length) await insertEvent({ db: trx }, incidentId, actor.username, "edit", now, changes.join("; "), {});
    if (Object.keys(set).length || changes.length) await trx.updateTable("incidents").set({ ...set, updated_at: now }).where("id", "=", incidentId).execute();
    if (set.severity || set.commander !== undefined) await notifyIncidentChanged(trx, incidentId, { what: set.severity ? "severity" : "commander", to: String(set.severity ?? set.commander ?? "") || null, by: actor.username, text: changes.join("; ") }, now);
  });
  return (await getIncident(store, incidentId))!;
}

/** Pin, hide (never delete) or correct the time of any timeline entry, keeping the original. */
export async function markEntry(store: Store, actor: Actor, incidentId: string, input: unknown, options: WriteOptions = {}): Promise<void> {
  requireEditor(actor, "pinning, hiding or correcting timeline entries");
  await requireIncident(store, incidentId);
  const data = parseInput(MarkSchema, input);
  const now = options.now ?? Date.now();
  const [source, ref] = [data.entry.slice(0, data.entry.indexOf(":")), data.entry.slice(data.entry.indexOf(":") + 1)];
  const set: { pinned?: number; hidden?: number; corrected_at?: number | null } = {};
  if (data.pinned !== undefined) set.pinned = data.pinned ? 1 : 0;
  if (data.hidden !== undefined) set.hidden = data.hidden ? 1 : 0;
  if (data.correctedAt !== undefined) set.corrected_at = data.correctedAt;
  if (!Object.keys(set).length) throw new IncidentInputError({ form: ["nothing to change: give pinned, hidden or correctedAt"] });
  if (source === "ev") {
    const res = await store.db.updateTable("incident_events").set(set).where("id", "=", ref).where("incident_id", "=", incidentId).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new IncidentInputError({ entry: ["no such entry on this incident"] });
    return;
  }
  const existing = await store.db
    .selectFrom("incident_entry_marks")
    .selectAll()
    .where("incident_id", "=", incidentId)
    .where("entry_key", "=", data.entry)
    .executeTakeFirst();
  if (existing) {
    await store.db
      .updateTable("incident_entry_marks")
      .set({ ...set, updated_by: actor.username, updated_at: now })
      .where("incident_id", "=", incidentId)
      .where("entry_key", "=", data.entry)
      .execute();
  } else {
    await store.db
      .insertInto("incident_entry_marks")
      .values({
        incident_id: incidentId,
        entry_key: data.entry,
        pinned: set.pinned ?? 0,
        hidden: set.hidden ?? 0,
        corrected_at: set.corrected_at ?? null,
        updated_by: actor.username,
        updated_at: now,
      })
      .execute();
  }
}

/** Saves the postmortem fields someone edited; empty fields fall back to the prefill. */
export async function saveReport(store: Store, actor: Actor, incidentId: string, input: unknown, options: WriteOptions = {}): Promise<Incident> {
  requireEditor(actor, "editing the report");
  const incident = await requireIncident(store, incidentId);
  const data = parseInput(ReportSchema, input);
  const report: Partial<ReportFields> = { ...incident.report };
  for (const k of REPORT_FIELDS) {
    const v = data[k];
    if (v === undefined) continue;
    if (v.trim()) report[k] = v.replace(/\r\n/g, "\n").trim();
    else delete report[k];
  }
  await store.db
    .updateTable("incidents")
    .set({ report: JSON.stringify(report), updated_at: options.now ?? Date.now() })
    .where("id", "=", incidentId)
    .execute();
  return (await getIncident(store, incidentId))!;
}

export async function addPreventionItem(store: Store, actor: Actor, incidentId: string, input: unknown, options: WriteOptions = {}): Promise<PreventionItem> {
  requireEditor(actor, "adding prevention items");
  await requireIncident(store, incidentId);
  const data = parseInput(PreventionItemSchema, input);
  const row = {
    id: newId("pi_"),
    incident_id: incidentId,
    description: data.description,
    owner: data.owner,
    due_at: data.dueAt ?? null,
    done_at: null,
    created_at: options.now ?? Date.now(),
  };
  await store.db.insertInto("incident_prevention_items").values(row).execute();
  return toPreventionItem(row);
}

export async function setPreventionItemDone(store: Store, actor: Actor, incidentId: string, itemId: string, done: boolean, options: WriteOptions = {}): Promise<void> {
  requireEditor(actor, "updating prevention items");
  const res = await store.db
    .updateTable("incident_prevention_items")
    .set({ done_at: done ? (options.now ?? Date.now()) : null })
    .where("id", "=", itemId)
    .where("incident_id", "=", incidentId)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw new IncidentInputError({ item: ["no such prevention item on this incident"] });
}

export async function removePreventionItem(store: Store, actor: Actor, incidentId: string, itemId: string): Promise<void> {
  requireEditor(actor, "removing prevention items");
  await store.db.deleteFrom("incident_prevention_items").where("id", "=", itemId).where("incident_id", "=", incidentId).execute();
}
