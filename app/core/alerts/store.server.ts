import type { Kysely } from "kysely";
import type { Database } from "../db/schema";
import { newId } from "../ids.server";
import type { Portal } from "../portal.server";
import { createScrubber } from "../secrets/index.server";
import type { EvidenceReading } from "./evidence.server";
import type { AlertSource, IncomingAlert } from "./incoming";
import type { RunbookLink } from "./linking.server";

/** An alert as the inbox and `GET /api/alerts` show it. */
export interface AlertView {
  id: string;
  fingerprint: string;
  source: string;
  receiver: string;
  name: string;
  status: "firing" | "resolved";
  severity: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  summary: string;
  startsAt: string;
  endsAt: string | null;
  lastSeenAt: string;
  resolvedAt: string | null;
  receivedCount: number;
  generatorURL: string | null;
  runbook: { path: string; title: string; href: string } | null;
  plugins: string[];
  incidentId: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  /** The id of the active silence that mutes it, or null. */
  silencedBy: string | null;
  silence: { id: string; createdBy: string; comment: string; endsAt: string | null } | null;
  evidence: EvidenceReading[] | null;
}

export type AlertRow = Database["alerts"];

/** What one stored alert went through in this receipt. */
export interface AlertChange {
  alert: AlertRow;
  change: "fired" | "refired" | "resolved" | "seen";
}

/** Per new alert, decided before the write: its runbook and the evidence of that runbook's widgets. */
export interface ArrivalContext {
  link: RunbookLink | null;
  evidence: EvidenceReading[] | null;
}

function openKey(receiver: string, fingerprint: string): string {
  return `${receiver}:${fingerprint}`;
}

let counter = 0;
function eventId(at: number): string {
  counter = (counter + 1) % 36 ** 4;
  return `ae_${Math.max(0, at).toString(36).padStart(9, "0")}${counter.toString(36).padStart(4, "0")}${newId().slice(0, 6)}`;
}

const CHUNK = 400;

/** The firing rows of these fingerprints (one query per few hundred). */
export async function openAlerts(db: Kysely<Database>, receiver: string, fingerprints: readonly string[]): Promise<Map<string, AlertRow>> {
  const out = new Map<string, AlertRow>();
  for (let i = 0; i < fingerprints.length; i += CHUNK) {
    const keys = fingerprints.slice(i, i + CHUNK).map((f) => openKey(receiver, f));
    const rows = await db.selectFrom("alerts").selectAll().where("open_key", "in", keys).execute();
    for (const r of rows) out.set(r.fingerprint, r);
  }
  return out;
}

/** The newest episode of each fingerprint (resolved ones: the open ones are looked up by key). */
async function latestEpisodes(db: Kysely<Database>, receiver: string, fingerprints: readonly string[]): Promise<Map<string, AlertRow>> {
  const out = new Map<string, AlertRow>();
  for (let i = 0; i < fingerprints.length; i += CHUNK) {
    const rows = await db.selectFrom("alerts").selectAll().where("receiver", "=", receiver).where("fingerprint", "in", fingerprints.slice(i, i + CHUNK)).execute();
    for (const r of rows) {
      const seen = out.get(r.fingerprint);
      if (!seen || Number(r.starts_at) > Number(seen.starts_at)) out.set(r.fingerprint, r);
    }
  }
  return out;
}

const INSERT_CHUNK = 200;

/**
 * Stores one receipt's alerts inside the caller's transaction: a firing fingerprint already open
 * is the same alert seen again (last seen, count); a new one is inserted with its runbook and
 * evidence; a resolution (from the source, or an `endsAt` already passed) closes the open episode.
 * Re-sends that change nothing but the time are one UPDATE for the whole payload.
 */
export async function storeAlerts(
  db: Kysely<Database>,
  receiver: string,
  source: AlertSource,
  alerts: readonly IncomingAlert[],
  arrival: ReadonlyMap<string, ArrivalContext>,
  now: number,
): Promise<AlertChange[]> {
  const open = await openAlerts(db, receiver, alerts.map((a) => a.fingerprint));
  const closed = await latestEpisodes(db, receiver, alerts.filter((a) => !open.has(a.fingerprint)).map((a) => a.fingerprint));
  const changes: AlertChange[] = [];
  const events: Database["alert_events"][] = [];
  const inserts: AlertRow[] = [];
  const seenOnly: string[] = [];
  for (const a of alerts) {
    const resolved = a.status === "resolved" || (a.endsAt != null && a.endsAt <= now);
    const current = open.get(a.fingerprint);
    if (current) {
      if (resolved) {
        const resolvedAt = Math.min(a.endsAt ?? now, now);
        const set = { status: "resolved", open_key: null, resolved_at: resolvedAt, ends_at: a.endsAt ?? resolvedAt, last_seen_at: now, received_count: Number(current.received_count) + 1 };
        await db.updateTable("alerts").set(set).where("id", "=", current.id).execute();
        events.push({ id: eventId(now), alert_id: current.id, at: now, kind: "resolved", actor: source, data: "{}" });
        changes.push({ alert: { ...current, ...set }, change: "resolved" });
        continue;
      }
      const annotations = JSON.stringify(a.annotations);
      const same = current.summary === a.summary && current.annotations === annotations && current.severity === a.severity && (current.ends_at == null ? null : Number(current.ends_at)) === a.endsAt;
      if (same) seenOnly.push(current.id);
      else await db.updateTable("alerts").set({ last_seen_at: now, ends_at: a.endsAt, received_count: Number(current.received_count) + 1, summary: a.summary, annotations, severity: a.severity }).where("id", "=", current.id).execute();
      changes.push({ alert: { ...current, last_seen_at: now, received_count: Number(current.received_count) + 1 }, change: "seen" });
      continue;
    }
    const last = closed.get(a.fingerprint);
    if (last && Number(last.starts_at) >= a.startsAt) {
      // The same episode again: a late re-send of a resolved one, or a firing one we had closed by its endsAt.
      if (resolved || Number(last.starts_at) > a.startsAt) {
        seenOnly.push(last.id);
        changes.push({ alert: last, change: "seen" });
        continue;
      }
      const set = { status: "firing", open_key: openKey(receiver, a.fingerprint), resolved_at: null, ends_at: a.endsAt, last_seen_at: now, received_count: Number(last.received_count) + 1 };
      await db.updateTable("alerts").set(set).where("id", "=", last.id).execute();
      events.push({ id: eventId(now), alert_id: last.id, at: now, kind: "refired", actor: source, data: "{}" });
      changes.push({ alert: { ...last, ...set }, change: "refired" });
      continue;
    }
    const ctx = arrival.get(a.fingerprint);
    const row: AlertRow = {
      id: newId("al_"),
      receiver,
      source,
      fingerprint: a.fingerprint,
      open_key: resolved ? null : openKey(receiver, a.fingerprint),
      name: a.name,
      status: resolved ? "resolved" : "firing",
      severity: a.severity,
      labels: JSON.stringify(a.labels),
      annotations: JSON.stringify(a.annotations),
      summary: a.summary,
      generator_url: a.generatorURL,
      starts_at: Math.min(a.startsAt, now),
      ends_at: a.endsAt,
      last_seen_at: now,
      resolved_at: resolved ? Math.min(a.endsAt ?? now, now) : null,
      received_count: 1,
      runbook: ctx?.link?.path ?? null,
      runbook_href: ctx?.link?.href ?? null,
      plugins: JSON.stringify(ctx?.link?.plugins ?? []),
      evidence: ctx?.evidence ? JSON.stringify(ctx.evidence) : null,
      incident_id: null,
      acknowledged_by: null,
      acknowledged_at: null,
      created_at: now,
    };
    inserts.push(row);
    events.push({ id: eventId(now), alert_id: row.id, at: now, kind: resolved ? "resolved" : "fired", actor: source, data: "{}" });
    changes.push({ alert: row, change: resolved ? "resolved" : "fired" });
  }
  for (let i = 0; i < seenOnly.length; i += CHUNK) {
    await db
      .updateTable("alerts")
      .set((eb) => ({ last_seen_at: now, received_count: eb("received_count", "+", 1) }))
      .where("id", "in", seenOnly.slice(i, i + CHUNK))
      .execute();
  }
  for (let i = 0; i < inserts.length; i += INSERT_CHUNK) await db.insertInto("alerts").values(inserts.slice(i, i + INSERT_CHUNK)).execute();
  for (let i = 0; i < events.length; i += CHUNK) await db.insertInto("alert_events").values(events.slice(i, i + CHUNK)).execute();
  return changes;
}

/** Firing alerts whose `endsAt` has passed without a re-send, or silent past `staleAfter`: resolved now. */
export async function resolveExpired(db: Kysely<Database>, now: number, staleAfterMs: number): Promise<AlertRow[]> {
  const rows = await db
    .selectFrom("alerts")
    .selectAll()
    .where("status", "=", "firing")
    .where((eb) => eb.or([eb.and([eb("ends_at", "is not", null), eb("ends_at", "<=", now)]), eb("last_seen_at", "<", now - staleAfterMs)]))
    .limit(1000)
    .execute();
  for (const r of rows) {
    const at = r.ends_at != null && Number(r.ends_at) <= now ? Number(r.ends_at) : now;
    await db.updateTable("alerts").set({ status: "resolved", open_key: null, resolved_at: at }).where("id", "=", r.id).where("status", "=", "firing").execute();
    await db.insertInto("alert_events").values({ id: eventId(now), alert_id: r.id, at: now, kind: "resolved", actor: "portal", data: JSON.stringify({ reason: r.ends_at != null && Number(r.ends_at) <= now ? "endsAt passed" : "not seen again" }) }).execute();
  }
  return rows.map((r) => ({ ...r, status: "resolved", open_key: null }));
}

function parse<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

const iso = (ms: number | null) => (ms == null ? null : new Date(Number(ms)).toISOString());

export function toView(r: AlertRow, silence: AlertView["silence"], titles: ReadonlyMap<string, string> = new Map()): AlertView {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    source: r.source,
    receiver: r.receiver,
    name: r.name,
    status: r.status as AlertView["status"],
    severity: r.severity,
    labels: parse(r.labels, {}),
    annotations: parse(r.annotations, {}),
    summary: r.summary,
    startsAt: iso(r.starts_at)!,
    endsAt: iso(r.ends_at),
    lastSeenAt: iso(r.last_seen_at)!,
    resolvedAt: iso(r.resolved_at),
    receivedCount: Number(r.received_count),
    generatorURL: r.generator_url,
    runbook: r.runbook ? { path: r.runbook, title: titles.get(r.runbook) ?? r.runbook, href: r.runbook_href ?? `/runbooks/${r.runbook}` } : null,
    plugins: parse(r.plugins, []),
    incidentId: r.incident_id,
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: iso(r.acknowledged_at),
    silencedBy: silence?.id ?? null,
    silence,
    evidence: parse(r.evidence, null),
  };
}

export interface ListAlertsOptions {
  status?: "firing" | "resolved" | "all";
  incidentId?: string;
  limit?: number;
}

export async function listAlertRows(portal: Portal, options: ListAlertsOptions = {}): Promise<AlertRow[]> {
  let q = portal.store.db.selectFrom("alerts").selectAll();
  if (options.status && options.status !== "all") q = q.where("status", "=", options.status);
  if (options.incidentId) q = q.where("incident_id", "=", options.incidentId);
  return q.orderBy("last_seen_at", "desc").orderBy("id").limit(Math.min(options.limit ?? 500, 2000)).execute();
}

/** Every string a source sent is scrubbed of configured secrets before it is shown. */
export function scrubView(portal: Portal, view: AlertView): AlertView {
  return createScrubber(portal.config.secretValues).deep(view);
}
