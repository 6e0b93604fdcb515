import { sql, type Kysely } from "kysely";
import { OPEN_STATUSES, type TimelineEntry, type TimelineKind } from "~/lib/incidents";
import { scrubText } from "../secrets/index.server";
import type { Store } from "../db/store.server";
import type { Incident } from "./incidents.server";

/** Audit and probe tables belong to other features; read them by their column names. */
function anyDb(store: Store): Kysely<any> {
  return store.db as unknown as Kysely<any>;
}

function isMissingTable(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /no such table|does not exist/i.test(msg);
}

async function orEmpty<T>(query: Promise<T[]>): Promise<T[]> {
  try {
    return await query;
  } catch (err) {
    if (isMissingTable(err)) return [];
    throw err;
  }
}

function parseJson(text: unknown): Record<string, unknown> {
  if (text && typeof text === "object") return text as Record<string, unknown>;
  if (typeof text !== "string" || !text) return {};
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}

/** The window whose probe transitions belong to the incident: from the earliest known start to resolution (or now). */
export function incidentWindow(incident: Incident, now = Date.now()): { from: number; to: number } {
  const from = Math.min(incident.declaredAt, incident.detectedAt, incident.impactStartedAt ?? Infinity);
  const to = incident.resolvedAt ?? incident.closedAt ?? now;
  return { from, to: Math.max(to, from) };
}

const STATUS_WORDS: Record<string, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
  closed: "Closed",
};

function describeEvent(type: string, text: string, data: Record<string, unknown>): { kind: TimelineKind; title: string; text?: string; status?: string } {
  switch (type) {
    case "declared":
      return {
        kind: "declared",
        title: `Incident declared (${data.severity ?? "?"})${data.commander ? `, commander ${data.commander}` : ""}`,
        text: text || undefined,
      };
    case "status":
      return { kind: "status", title: `Status: ${STATUS_WORDS[String(data.from)] ?? data.from} → ${STATUS_WORDS[String(data.to)] ?? data.to}`, text: text || undefined, status: String(data.to) };
    case "severity":
      return { kind: "severity", title: `Severity: ${data.from} → ${data.to}`, text: text || undefined };
    case "commander":
      return { kind: "commander", title: `Commander: ${data.from ?? "nobody"} → ${data.to}` };
    case "checklist":
      return {
        kind: "checklist",
        title: `${data.checked === false ? "Unticked" : "Ticked"}: ${text}`,
        text: data.runbook ? `in runbook ${data.runbook}` : undefined,
      };
    case "edit":
      return { kind: "edit", title: "Incident edited", text };
    case "alert":
      return describeAlertEvent(text, data);
    case "provider":
      return describeProviderEvent(text, data);
    default:
      return { kind: "note", title: "Note", text };
  }
}

const ALERT_WORDS: Record<string, string> = { fired: "fired", joined: "joined this incident", acknowledged: "acknowledged", resolved: "resolved", silenced: "silenced" };

/** An alert's line: fired (with the runbook's readings at arrival), acknowledged, resolved, silenced. */
function describeAlertEvent(text: string, data: Record<string, unknown>): { kind: TimelineKind; title: string; text?: string; status?: string } {
  const event = String(data.event ?? "");
  const who = data.by && data.by !== "alerts" && event !== "fired" ? ` by ${data.by}` : "";
  const evidence = Array.isArray(data.evidence) ? (data.evidence as { title?: string; status?: string; summary?: string }[]) : [];
  const readings = evidence.map((r) => `${r.title}: ${r.status} — ${r.summary}`).join("\n");
  const body = [text, readings ? `Readings at arrival:\n${readings}` : ""].filter(Boolean).join("\n");
  return { kind: "alert", title: `Alert ${data.name ?? "?"} ${ALERT_WORDS[event] ?? event}${who}${data.severity ? ` (${data.severity})` : ""}`, text: body || undefined, status: event === "resolved" ? "ok" : event === "fired" || event === "joined" ? "critical" : undefined };
}

const PROVIDER_WORDS: Record<string, string> = { started: "incident started", update: "update", resolved: "incident resolved" };

/** A provider's status-page incident on our timeline (statuspage plugin): started, updates, resolved. */
function describeProviderEvent(text: string, data: Record<string, unknown>): { kind: TimelineKind; title: string; text?: string; status?: string } {
  const event = String(data.event ?? "");
  const word = event === "update" && data.status ? String(data.status) : (PROVIDER_WORDS[event] ?? event);
  const body = [text, data.link ? String(data.link) : ""].filter(Boolean).join("\n");
  return { kind: "provider", title: `${data.providerTitle ?? data.provider ?? "Provider"} ${word}: ${data.title ?? ""}`, text: body || undefined, status: event === "resolved" ? "ok" : event === "started" ? "critical" : undefined };
}

function splitKeys(keys: readonly string[]) {
  const out = { ev: [] as string[], audit: [] as number[], probe: [] as string[], all: [...keys] };
  for (const k of keys) {
    const i = k.indexOf(":");
    const source = k.slice(0, i);
    const ref = k.slice(i + 1);
    if (source === "ev") out.ev.push(ref);
    else if (source === "audit" && /^\d+$/.test(ref)) out.audit.push(Number(ref));
    else if (source === "probe") out.probe.push(ref);
  }
  return out;
}

/** Only summaries the audit feature already redacted; never the action's input. */
function auditSummary(details: Record<string, unknown>): string | undefined {
  const pick = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim().slice(0, 500) : undefined);
  const result = details.result && typeof details.result === "object" ? (details.result as Record<string, unknown>) : {};
  return pick(details.summary) ?? pick(result.summary) ?? pick(details.reason) ?? pick(details.error);
}

const APPROVAL_OUTCOMES = new Set(["requested", "approved", "rejected", "expired"]);

export interface TimelineOptions {
  /** Include entries hidden from the report (the incident page shows them greyed; the report leaves them out). */
  includeHidden?: boolean;
  now?: number;
  /** Configured secret values, scrubbed from every text. */
  secrets?: readonly string[];
  /** Load only these entries (by key): the page's visible window of a long timeline. */
  only?: readonly string[];
  /** Probe titles by id, for readable transition entries. */
  probeTitles?: Readonly<Record<string, string>>;
  /** Action titles by id, for readable action entries. */
  actionTitles?: Readonly<Record<string, string>>;
}

/**
 * The incident's timeline, assembled from its own events, the audit entries that name it
 * (actions run, approvals) and the status transitions of its linked plugins' probes during the
 * incident window. Sorted by the time shown (corrected where corrected).
 */
export async function assembleTimeline(store: Store, incident: Incident, options: TimelineOptions = {}): Promise<TimelineEntry[]> {
  const db = anyDb(store);
  const secrets = options.secrets ?? [];
  const scrub = (t: string | undefined) => (t === undefined || !secrets.length ? t : scrubText(t, secrets));
  const window = incidentWindow(incident, options.now);
  const only = options.only ? splitKeys(options.only) : null;
  const none = Promise.resolve([] as any[]);

  const [events, marks, audit, transitions] = await Promise.all([
    only && !only.ev.length
      ? none
      : store.db
          .selectFrom("incident_events")
          .select(["id", "type", "at", "corrected_at", "actor", "text", "data", "pinned", "hidden"])
          .where("incident_id", "=", incident.id)
          .$if(!!only, (q) => q.where("id", "in", only!.ev))
          .execute(),
    store.db
      .selectFrom("incident_entry_marks")
      .select(["entry_key", "pinned", "hidden", "corrected_at"])
      .where("incident_id", "=", incident.id)
      .$if(!!only, (q) => q.where("entry_key", "in", only!.all.length ? only!.all : ["-"]))
      .execute(),
    only && !only.audit.length
      ? none
      : orEmpty(
          db
            .selectFrom("audit_entries")
            .select(["seq", "at", "actor", "action", "target", "outcome", "details", "run_id"])
            .where("incident_id", "=", incident.id)
            .$if(!!only, (q) => q.where("seq", "in", only!.audit))
            .orderBy("seq")
            .execute(),
        ),
    !incident.plugins.length || (only && !only.probe.length)
      ? none
      : orEmpty(
          db
            .selectFrom("probe_transitions")
            .select(["id", "probe_id", "plugin_id", "at", "from_status", "to_status", "value", "summary"])
            .where("plugin_id", "in", incident.plugins)
            .where("at", ">=", window.from)
            .where("at", "<=", window.to)
            .$if(!!only, (q) => q.where("id", "in", only!.probe))
            .orderBy("at")
            .execute(),
        ),
  ]);

  const markByKey = new Map(marks.map((m) => [m.entry_key, m]));
  const out: (TimelineEntry & { rank: number })[] = [];

  for (const e of events) {
    const d = describeEvent(e.type, e.text, parseJson(e.data));
    const originalAt = Number(e.at);
    const corrected = e.corrected_at == null ? null : Number(e.corrected_at);
    out.push({
      key: `ev:${e.id}`,
      source: "incident",
      kind: d.kind,
      at: corrected ?? originalAt,
      originalAt,
      corrected: corrected != null,
      pinned: !!Number(e.pinned),
      hidden: !!Number(e.hidden),
      actor: e.actor,
      title: scrub(d.title)!,
      text: scrub(d.text),
      status: d.status,
      rank: e.type === "declared" ? 0 : 2,
    });
  }

  for (const a of audit as any[]) {
    const key = `audit:${a.seq}`;
    const details = parseJson(a.details);
    const outcome = String(a.outcome ?? "");
    const kind: TimelineKind = APPROVAL_OUTCOMES.has(outcome) ? "approval" : "action";
    const target = a.target ? ` on ${a.target}` : "";
    const name = options.actionTitles?.[a.action] ? `${options.actionTitles[a.action]} (${a.action})` : a.action;
    const title = kind === "approval" ? `Approval ${outcome}: ${name}${target}` : `Action ${name} ${outcome}${target}`;
    out.push(withMark({
      key,
      source: "audit",
      kind,
      at: Number(a.at),
      originalAt: Number(a.at),
      corrected: false,
      pinned: false,
      hidden: false,
      actor: a.actor ?? null,
      title: scrub(title)!,
      text: scrub(auditSummary(details)),
      href: a.run_id ? `/runs/${encodeURIComponent(a.run_id)}` : undefined,
      status: outcome,
      rank: 1,
    }, markByKey.get(key)));
  }

  for (const t of transitions as any[]) {
    const key = `probe:${t.id}`;
    const value = t.value == null ? "" : ` (${Number(t.value)})`;
    out.push(withMark({
      key,
      source: "probe",
      kind: "probe",
      at: Number(t.at),
      originalAt: Number(t.at),
      corrected: false,
      pinned: false,
      hidden: false,
      actor: null,
      title: `${options.probeTitles?.[t.probe_id] ?? t.probe_id}: ${t.from_status ?? "unknown"} → ${t.to_status}${value}`,
      text: scrub(t.summary ?? undefined) || undefined,
      status: t.to_status,
      rank: 1,
    }, markByKey.get(key)));
  }

  out.sort((a, b) => a.at - b.at || a.originalAt - b.originalAt || a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const result: TimelineEntry[] = [];
  for (const { rank: _rank, ...entry } of out) if (options.includeHidden || !entry.hidden) result.push(entry);
  return result;
}

function withMark<T extends TimelineEntry>(entry: T, mark: { pinned: number; hidden: number; corrected_at: number | null } | undefined): T {
  if (!mark) return entry;
  const corrected = mark.corrected_at == null ? null : Number(mark.corrected_at);
  return { ...entry, pinned: !!Number(mark.pinned), hidden: !!Number(mark.hidden), corrected: corrected != null, at: corrected ?? entry.originalAt };
}

/** When the next status update is due (the seed's "update every 15 minutes"); null once resolved. */
export async function nextUpdateDue(store: Store, incident: Incident, now = Date.now()): Promise<{ lastUpdateAt: number; dueAt: number; overdue: boolean } | null> {
  if (!(OPEN_STATUSES as readonly string[]).includes(incident.status)) return null;
  const row = await store.db
    .selectFrom("incident_events")
    .select((eb) => eb.fn.max("at").as("last"))
    .where("incident_id", "=", incident.id)
    .where("type", "in", ["declared", "status", "note"])
    .executeTakeFirst();
  const lastUpdateAt = Number(row?.last ?? incident.declaredAt);
  const dueAt = lastUpdateAt + incident.updateEveryMin * 60_000;
  return { lastUpdateAt, dueAt, overdue: now > dueAt };
}

/**
 * The start of the trouble on the given plugins' probes: for each probe whose latest transition
 * (within `lookback`) left it warn or critical, the time it left ok. The earliest such time, or null.
 */
export async function troubleStartedAt(store: Store, plugins: readonly string[], now = Date.now(), lookback = 24 * 3_600_000): Promise<number | null> {
  if (!plugins.length) return null;
  const rows = (await orEmpty(
    anyDb(store)
      .selectFrom("probe_transitions")
      .select(["probe_id", "at", "from_status", "to_status"])
      .where("plugin_id", "in", [...plugins])
      .where("at", ">=", now - lookback)
      .where("at", "<=", now)
      .orderBy("at")
      .execute(),
  )) as { probe_id: string; at: number; from_status: string | null; to_status: string }[];
  const streakStart = new Map<string, number | null>();
  for (const r of rows) {
    const bad = r.to_status === "warn" || r.to_status === "critical";
    const wasBad = r.from_status === "warn" || r.from_status === "critical";
    if (!bad) streakStart.set(r.probe_id, null);
    else if (!wasBad || streakStart.get(r.probe_id) == null) streakStart.set(r.probe_id, streakStart.get(r.probe_id) ?? Number(r.at));
  }
  const starts = [...streakStart.values()].filter((v): v is number => v != null);
  return starts.length ? Math.min(...starts) : null;
}

/** Long timelines show their start and their latest entries; the middle opens on request. */
export const TIMELINE_HEAD = 100;
export const TIMELINE_TAIL = 200;

export interface IncidentPageTimeline {
  /** The entries shown, in order; when `gap` is set, the omitted ones sit after `gap.after` entries. */
  entries: TimelineEntry[];
  gap: { after: number; count: number } | null;
  total: number;
  hiddenCount: number;
  pinned: TimelineEntry[];
  nextUpdate: Awaited<ReturnType<typeof nextUpdateDue>>;
}

/**
 * Every entry's key and shown time, as one SQL union (narrow rows, sorted and cut by the
 * database), so a page of a long timeline never loads the texts it does not show.
 */
function entryIndex(store: Store, incident: Incident, window: { from: number; to: number }) {
  const parts = [
    sql`select ${sql.lit("ev:")} || e.id as k, coalesce(e.corrected_at, e.at) as eff, e.at as orig, case when e.type = 'declared' then 0 else 2 end as rnk, e.pinned as pinned, e.hidden as hidden
        from incident_events e where e.incident_id = ${incident.id}`,
    sql`select ${sql.lit("audit:")} || cast(a.seq as varchar(30)) as k, coalesce(m.corrected_at, a.at) as eff, a.at as orig, 1 as rnk, coalesce(m.pinned, 0) as pinned, coalesce(m.hidden, 0) as hidden
        from audit_entries a left join incident_entry_marks m on m.incident_id = ${incident.id} and m.entry_key = ${sql.lit("audit:")} || cast(a.seq as varchar(30))
        where a.incident_id = ${incident.id}`,
  ];
  if (incident.plugins.length) {
    parts.push(sql`select ${sql.lit("probe:")} || t.id as k, coalesce(m.corrected_at, t.at) as eff, t.at as orig, 1 as rnk, coalesce(m.pinned, 0) as pinned, coalesce(m.hidden, 0) as hidden
        from probe_transitions t left join incident_entry_marks m on m.incident_id = ${incident.id} and m.entry_key = ${sql.lit("probe:")} || t.id
        where t.plugin_id in (${sql.join(incident.plugins)}) and t.at >= ${window.from} and t.at <= ${window.to}`);
  }
  return sql.join(parts, sql` union all `);
}

type IndexRow = { k: string };

/** What the incident page's loader returns for the timeline. */
export async function incidentPageTimeline(
  store: Store,
  incident: Incident,
  options: { secrets?: readonly string[]; now?: number; showAll?: boolean; probeTitles?: Readonly<Record<string, string>>; actionTitles?: Readonly<Record<string, string>> } = {},
): Promise<IncidentPageTimeline> {
  const now = options.now ?? Date.now();
  const window = incidentWindow(incident, now);
  const union = entryIndex(store, incident, window);
  const db = store.db;
  const counts = await sql<{ total: number | string; hidden: number | string | null }>`select count(*) as total, sum(hidden) as hidden from (${union}) u`.execute(db);
  const total = Number(counts.rows[0]?.total ?? 0);
  const hiddenCount = Number(counts.rows[0]?.hidden ?? 0);
  const nextUpdate = await nextUpdateDue(store, incident, now);

  if (options.showAll || total <= TIMELINE_HEAD + TIMELINE_TAIL) {
    const timeline = await assembleTimeline(store, incident, { includeHidden: true, secrets: options.secrets, now, probeTitles: options.probeTitles, actionTitles: options.actionTitles });
    return { entries: timeline, gap: null, total: timeline.length, hiddenCount, pinned: timeline.filter((e) => e.pinned), nextUpdate };
  }
  const [head, tail, pinnedKeys] = await Promise.all([
    sql<IndexRow>`select k from (${union}) u order by eff, orig, rnk, k limit ${TIMELINE_HEAD}`.execute(db),
    sql<IndexRow>`select k from (${union}) u order by eff desc, orig desc, rnk desc, k desc limit ${TIMELINE_TAIL}`.execute(db),
    sql<IndexRow>`select k from (${union}) u where pinned = 1 order by eff limit 200`.execute(db),
  ]);
  const shown = new Set([...head.rows.map((r) => r.k), ...tail.rows.map((r) => r.k)]);
  const keys = [...new Set([...shown, ...pinnedKeys.rows.map((r) => r.k)])];
  const loaded = await assembleTimeline(store, incident, { includeHidden: true, secrets: options.secrets, now, only: keys, probeTitles: options.probeTitles, actionTitles: options.actionTitles });
  const headKeys = new Set(head.rows.map((r) => r.k));
  const entries = loaded.filter((e) => shown.has(e.key));
  const after = entries.filter((e) => headKeys.has(e.key)).length;
  return { entries, gap: { after, count: total - entries.length }, total, hiddenCount, pinned: loaded.filter((e) => e.pinned), nextUpdate };
}

/** When each open incident's next status update is due, for lists. */
export async function updatesDue(store: Store, incidents: readonly Incident[]): Promise<Record<string, number>> {
  const open = incidents.filter((i) => (OPEN_STATUSES as readonly string[]).includes(i.status));
  if (!open.length) return {};
  const rows = await store.db
    .selectFrom("incident_events")
    .select((eb) => ["incident_id", eb.fn.max("at").as("last")])
    .where("incident_id", "in", open.map((i) => i.id))
    .where("type", "in", ["declared", "status", "note"])
    .groupBy("incident_id")
    .execute();
  const last = new Map(rows.map((r) => [r.incident_id, Number(r.last)]));
  return Object.fromEntries(open.map((i) => [i.id, (last.get(i.id) ?? i.declaredAt) + i.updateEveryMin * 60_000]));
}
