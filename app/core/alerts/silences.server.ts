import { Cron } from "croner";
import { z } from "zod";
import { parseDuration } from "../../../plugins/plugin-api";
import { audit } from "../audit/audit.server";
import { ConflictError, ForbiddenError, InputError, NotFoundError, parseWith } from "../http/errors.server";
import { newId } from "../ids.server";
import type { Portal } from "../portal.server";
import { hasRole } from "~/lib/roles";
import { MatcherSchema, ScheduleSchema, type Matcher } from "./config";
import { expireInAlertmanager, mirrorToAlertmanager } from "./alertmanager.server";
import { matchesAll } from "./matchers";
import { addIncidentAlertEvent, alertsOfOpenIncidents } from "./timeline-events.server";

export interface SilenceView {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string | null;
  /** Recurring maintenance window: every `cron` (in `timezone`) for `duration`. */
  schedule: { cron: string; duration: string; timezone: string } | null;
  comment: string;
  createdBy: string;
  createdAt: string;
  expiredAt: string | null;
  expiredBy: string | null;
  /** The silence's id in Alertmanager when mirrored there. */
  alertmanagerId: string | null;
  origin: string;
  /** active now, pending (starts later), expired, or between windows (a recurring one). */
  state: "active" | "pending" | "expired" | "waiting";
  /** The current or next window of a recurring silence. */
  window: { startsAt: string; endsAt: string } | null;
}

/** What matching needs, kept in memory: the ingest path checks every alert against it. */
export interface SilenceRule {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number | null;
  schedule: { cron: Cron; durationMs: number; text: string; duration: string; timezone: string } | null;
  comment: string;
  createdBy: string;
  expiredAt: number | null;
}

const Actor = z.object({ username: z.string(), roles: z.array(z.string()).readonly() });
type Actor = z.infer<typeof Actor>;

function cronOf(text: string, timezone: string): Cron {
  return new Cron(text, { timezone, paused: true });
}

/** The window of a recurring silence that holds `now`, or the next one. */
export function windowAt(rule: Pick<SilenceRule, "schedule" | "startsAt">, now: number): { from: number; to: number; active: boolean } | null {
  const s = rule.schedule;
  if (!s) return null;
  // A window made during an occurrence holds for that occurrence; one that starts later, from then on.
  const since = (rule.startsAt > now ? rule.startsAt : now - s.durationMs) - 1;
  const occ = s.cron.nextRun(new Date(since));
  if (!occ) return null;
  const from = occ.getTime();
  return { from, to: from + s.durationMs, active: from <= now && now < from + s.durationMs };
}

export function isActive(rule: SilenceRule, now: number): boolean {
  if (rule.expiredAt != null && rule.expiredAt <= now) return false;
  if (rule.schedule) return !!windowAt(rule, now)?.active;
  return rule.startsAt <= now && (rule.endsAt == null || now < rule.endsAt);
}

/** The active silence that mutes these labels, if any. */
export function silencing(rules: readonly SilenceRule[], labels: Readonly<Record<string, string>>, now: number): SilenceRule | null {
  for (const r of rules) if (isActive(r, now) && matchesAll(r.matchers, labels)) return r;
  return null;
}

type Row = {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number | null;
  schedule_cron: string | null;
  schedule_duration_ms: number | null;
  timezone: string | null;
  comment: string;
  created_by: string;
  created_at: number;
  expired_at: number | null;
  expired_by: string | null;
  am_silence_id: string | null;
  origin: string;
};

function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

function ruleOf(r: Row): SilenceRule {
  const schedule =
    r.schedule_cron && r.schedule_duration_ms
      ? { cron: cronOf(r.schedule_cron, r.timezone ?? "UTC"), durationMs: Number(r.schedule_duration_ms), text: r.schedule_cron, duration: formatDuration(Number(r.schedule_duration_ms)), timezone: r.timezone ?? "UTC" }
      : null;
  return { id: r.id, matchers: JSON.parse(r.matchers), startsAt: Number(r.starts_at), endsAt: r.ends_at == null ? null : Number(r.ends_at), schedule, comment: r.comment, createdBy: r.created_by, expiredAt: r.expired_at == null ? null : Number(r.expired_at) };
}

/** Config maintenance windows, as rules (ids `window:<name>`). */
function configRules(portal: Portal): SilenceRule[] {
  return portal.config.alerts.maintenanceWindows.map((w) => ({
    id: `window:${w.name}`,
    matchers: w.matchers,
    startsAt: 0,
    endsAt: null,
    schedule: { cron: cronOf(w.schedule.cron, w.schedule.timezone), durationMs: parseDuration(w.schedule.duration), text: w.schedule.cron, duration: w.schedule.duration, timezone: w.schedule.timezone },
    comment: w.comment,
    createdBy: "config",
    expiredAt: null,
  }));
}

const caches = new WeakMap<object, { at: number; rules: SilenceRule[] }>();
const CACHE_MS = 2_000;

/** Every silence that is or may become active (config windows included), cached briefly for the ingest path. */
export async function silenceRules(portal: Portal, now = Date.now()): Promise<SilenceRule[]> {
  const hit = caches.get(portal.store);
  if (hit && now - hit.at < CACHE_MS) return hit.rules;
  const rows = (await portal.store.db
    .selectFrom("silences")
    .selectAll()
    .where((eb) => eb.or([eb("expired_at", "is", null), eb("expired_at", ">", now)]))
    .where((eb) => eb.or([eb("ends_at", "is", null), eb("ends_at", ">", now)]))
    .execute()) as Row[];
  const rules = [...rows.map(ruleOf), ...configRules(portal)];
  caches.set(portal.store, { at: now, rules });
  return rules;
}

function forgetCache(portal: Portal): void {
  caches.delete(portal.store);
}

function iso(ms: number | null): string | null {
  return ms == null ? null : new Date(ms).toISOString();
}

function view(rule: SilenceRule, row: Partial<Row> & { created_at?: number }, now: number): SilenceView {
  const w = windowAt(rule, now);
  let state: SilenceView["state"];
  if (rule.expiredAt != null && rule.expiredAt <= now) state = "expired";
  else if (rule.schedule) state = w?.active ? "active" : "waiting";
  else if (rule.startsAt > now) state = "pending";
  else state = rule.endsAt != null && rule.endsAt <= now ? "expired" : "active";
  return {
    id: rule.id,
    matchers: rule.matchers,
    startsAt: new Date(rule.startsAt).toISOString(),
    endsAt: iso(rule.endsAt),
    schedule: rule.schedule ? { cron: rule.schedule.text, duration: rule.schedule.duration, timezone: rule.schedule.timezone } : null,
    comment: rule.comment,
    createdBy: rule.createdBy,
    createdAt: new Date(row.created_at ?? rule.startsAt).toISOString(),
    expiredAt: iso(rule.expiredAt),
    expiredBy: row.expired_by ?? null,
    alertmanagerId: row.am_silence_id ?? null,
    origin: row.origin ?? "config",
    state,
    window: w ? { startsAt: new Date(w.from).toISOString(), endsAt: new Date(w.to).toISOString() } : null,
  };
}

/** Silences for the API and pages: current ones (active, pending, recurring) or every one. */
export async function listSilences(portal: Portal, options: { state?: "current" | "all"; now?: number } = {}): Promise<SilenceView[]> {
  const now = options.now ?? Date.now();
  let q = portal.store.db.selectFrom("silences").selectAll();
  if (options.state !== "all") {
    q = q.where((eb) => eb.or([eb("expired_at", "is", null), eb("expired_at", ">", now)])).where((eb) => eb.or([eb("ends_at", "is", null), eb("ends_at", ">", now)]));
  }
  const rows = (await q.orderBy("created_at", "desc").limit(500).execute()) as Row[];
  const config = configRules(portal).map((r) => view(r, { origin: "config" }, now));
  return [...rows.map((r) => view(ruleOf(r), r, now)), ...config];
}

const SilenceInputSchema = z
  .object({
    matchers: z.array(MatcherSchema).min(1, "give at least one matcher").max(20),
    startsAt: z.union([z.string().max(64), z.number()]).optional(),
    endsAt: z.union([z.string().max(64), z.number()]).optional(),
    duration: z.string().max(20).optional(),
    schedule: ScheduleSchema.optional(),
    comment: z.string({ error: "is required: say why" }).trim().min(3, "say why (at least 3 characters)").max(1000),
  })
  .strict();

function toTime(v: string | number | undefined, field: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  const t = typeof v === "number" ? v : Date.parse(v);
  if (!Number.isFinite(t) || t < 0) throw new InputError({ [field]: ["must be an ISO 8601 time or epoch ms"] });
  return t;
}

/**
 * Creates a silence (`endsAt` or `duration`) or a recurring maintenance window (`schedule`):
 * responders and up; who and why are kept, audited, and mirrored to Alertmanager when configured.
 */
export async function createSilence(portal: Portal, actor: Actor, input: unknown, options: { now?: number; origin?: string } = {}): Promise<SilenceView> {
  if (!hasRole(actor.roles, "responder")) throw new ForbiddenError("silencing alerts needs the responder role");
  const data = parseWith(SilenceInputSchema, input);
  const now = options.now ?? Date.now();
  const startsAt = toTime(data.startsAt, "startsAt") ?? now;
  let endsAt: number | null = null;
  let durationMs: number | null = null;
  if (data.schedule) {
    if (data.endsAt !== undefined || data.duration !== undefined) throw new InputError({ schedule: ["a recurring window takes its duration from schedule.duration; leave out endsAt and duration"] });
    durationMs = parseDuration(data.schedule.duration);
    if (durationMs <= 0 || durationMs > 7 * 86_400_000) throw new InputError({ "schedule.duration": ["must be more than 0 and at most 7d"] });
  } else if (data.duration !== undefined) {
    if (data.endsAt !== undefined) throw new InputError({ duration: ["give endsAt or duration, not both"] });
    let ms: number;
    try {
      ms = parseDuration(data.duration);
    } catch (err) {
      throw new InputError({ duration: [(err as Error).message] });
    }
    if (ms <= 0) throw new InputError({ duration: ["must be longer than 0"] });
    endsAt = startsAt + ms;
  } else {
    endsAt = toTime(data.endsAt, "endsAt") ?? null;
    if (endsAt == null) throw new InputError({ endsAt: ["give endsAt, duration, or a recurring schedule"] });
  }
  if (endsAt != null && endsAt <= Math.max(startsAt, now)) throw new InputError({ endsAt: ["must be after startsAt and in the future"] });
  if (endsAt != null && endsAt - startsAt > 366 * 86_400_000) throw new InputError({ endsAt: ["a silence lasts at most a year; use a recurring window"] });

  const id = newId("sil_");
  const row: Row = {
    id,
    matchers: JSON.stringify(data.matchers),
    starts_at: startsAt,
    ends_at: endsAt,
    schedule_cron: data.schedule?.cron ?? null,
    schedule_duration_ms: durationMs,
    timezone: data.schedule?.timezone ?? null,
    comment: data.comment,
    created_by: actor.username,
    created_at: now,
    expired_at: null,
    expired_by: null,
    am_silence_id: null,
    origin: options.origin ?? "api",
  };
  // One-off silences go to Alertmanager now; a recurring window's occurrences are mirrored as each starts.
  const mirrored = endsAt != null ? await mirrorToAlertmanager(portal, { matchers: data.matchers, startsAt, endsAt, createdBy: actor.username, comment: data.comment }) : null;
  if (mirrored?.id) row.am_silence_id = mirrored.id;
  await audit(
    portal,
    {
      actor: actor.username,
      roles: actor.roles,
      action: "alert.silence.created",
      target: id,
      outcome: "succeeded",
      details: { matchers: data.matchers, startsAt, endsAt, schedule: data.schedule ?? null, comment: data.comment, ...(mirrored ? { alertmanager: mirrored } : {}) },
    },
    async (db) => {
      await db.insertInto("silences").values(row).execute();
    },
  );
  forgetCache(portal);
  await recordSilenceOnIncidents(portal, ruleOf(row), now);
  return view(ruleOf(row), row, now);
}

/** Ends a silence now (and in Alertmanager): responders and up. */
export async function expireSilence(portal: Portal, actor: Actor, id: string, now = Date.now()): Promise<SilenceView> {
  if (!hasRole(actor.roles, "responder")) throw new ForbiddenError("ending a silence needs the responder role");
  if (id.startsWith("window:")) throw new ConflictError("a maintenance window from config is changed in config");
  const row = (await portal.store.db.selectFrom("silences").selectAll().where("id", "=", id).executeTakeFirst()) as Row | undefined;
  if (!row) throw new NotFoundError("There is no such silence.");
  if (row.expired_at != null && Number(row.expired_at) <= now) throw new ConflictError("this silence has already ended");
  const expired = row.am_silence_id ? await expireInAlertmanager(portal, row.am_silence_id) : null;
  await audit(portal, { actor: actor.username, roles: actor.roles, action: "alert.silence.expired", target: id, outcome: "succeeded", details: { ...(expired ? { alertmanager: expired } : {}) } }, async (db) => {
    await db.updateTable("silences").set({ expired_at: now, expired_by: actor.username }).where("id", "=", id).execute();
  });
  forgetCache(portal);
  const updated = { ...row, expired_at: now, expired_by: actor.username };
  return view(ruleOf(updated), updated, now);
}

/** A silence that mutes a firing alert of an open incident shows on that incident's timeline. */
async function recordSilenceOnIncidents(portal: Portal, rule: SilenceRule, now: number): Promise<void> {
  for (const a of await alertsOfOpenIncidents(portal)) {
    if (!matchesAll(rule.matchers, a.labels)) continue;
    await addIncidentAlertEvent(portal.store, a.incidentId, { event: "silenced", alertId: a.id, name: a.name, by: rule.createdBy, comment: rule.comment, silenceId: rule.id, at: now });
  }
}

/** Which occurrence of each recurring window is already in Alertmanager (`<id>@<start>`), per portal. */
const mirroredWindows = new WeakMap<object, Set<string>>();

/**
 * Recurring windows in Alertmanager: each occurrence is created there as it starts (Alertmanager's
 * silences have one start and end), audited with its Alertmanager id. Runs with the alerts sweep.
 */
export async function mirrorActiveWindows(portal: Portal, now = Date.now()): Promise<number> {
  if (!portal.config.alerts.alertmanager) return 0;
  let done = mirroredWindows.get(portal.store);
  if (!done) mirroredWindows.set(portal.store, (done = new Set()));
  let created = 0;
  for (const rule of await silenceRules(portal, now)) {
    if (!rule.schedule || (rule.expiredAt != null && rule.expiredAt <= now)) continue;
    const w = windowAt(rule, now);
    if (!w?.active) continue;
    const key = `${rule.id}@${w.from}`;
    if (done.has(key)) continue;
    done.add(key);
    const mirrored = await mirrorToAlertmanager(portal, { matchers: rule.matchers, startsAt: w.from, endsAt: w.to, createdBy: rule.createdBy, comment: `${rule.comment} (maintenance window ${rule.id})` });
    if (!mirrored) continue;
    await audit(portal, { actor: "portal", roles: [], action: "alert.silence.mirrored", target: rule.id, outcome: mirrored.id ? "succeeded" : "failed", details: { window: { startsAt: w.from, endsAt: w.to }, alertmanager: mirrored } }, async (db) => {
      if (mirrored.id && !rule.id.startsWith("window:")) await db.updateTable("silences").set({ am_silence_id: mirrored.id }).where("id", "=", rule.id).execute();
    });
    if (mirrored.id) created++;
  }
  if (done.size > 10_000) done.clear();
  return created;
}
