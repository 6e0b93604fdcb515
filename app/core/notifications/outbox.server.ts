// The outbox: an event is a row written in the transaction of the change it tells about, so a
// notification exists exactly when the change does. The router turns each event into one delivery
// per channel (and person) under a unique dedupe key; the sender claims due deliveries with a lease.
import crypto from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Database } from "../db/schema";
import type { Store } from "../db/store.server";
import { newId } from "../ids.server";
import type { ChannelConfig, EventKind, NotificationsConfig, OncallConfig } from "./config";

type Db = Kysely<Database>;

export interface NotificationPayload {
  title: string;
  summary?: string;
  /** Portal path (e.g. /incidents/inc_1) or absolute URL. */
  link?: string;
  [key: string]: unknown;
}

export interface NewNotification {
  kind: EventKind;
  /** What it is about (incident id, run id, probe id); events of one subject keep their order. */
  subject: string;
  severity?: string | null;
  plugins?: readonly string[];
  runbooks?: readonly string[];
  payload: NotificationPayload;
  at?: number;
}

export interface NotificationEvent {
  id: string;
  kind: EventKind;
  at: number;
  subject: string;
  severity: string | null;
  plugins: string[];
  runbooks: string[];
  payload: NotificationPayload;
}

let counter = 0;
/** Sortable: time, then a per-process counter, then randomness (two instances in one millisecond stay distinct). */
function eventId(at: number): string {
  counter = (counter + 1) % 36 ** 4;
  return `nev_${at.toString(36).padStart(9, "0")}${counter.toString(36).padStart(4, "0")}${crypto.randomBytes(4).toString("hex")}`;
}

const listeners = new Set<() => void>();
/** The sender in this process listens, so a new event goes out without waiting for the next poll. */
export function onNotificationRecorded(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Writes the event with `db` — pass the transaction of the change so both commit or neither. */
export async function recordNotification(db: Db | { insertInto: Db["insertInto"] }, n: NewNotification): Promise<string> {
  const at = n.at ?? Date.now();
  const id = eventId(at);
  await (db as Db)
    .insertInto("notification_events")
    .values({
      id,
      kind: n.kind,
      at,
      subject: n.subject.slice(0, 200),
      severity: n.severity ?? null,
      plugins: JSON.stringify(n.plugins ?? []),
      runbooks: JSON.stringify(n.runbooks ?? []),
      payload: JSON.stringify(n.payload),
      routed_at: null,
    })
    .execute();
  // After the caller's commit (microtasks first): a rolled-back event is simply not found.
  if (listeners.size) setTimeout(() => listeners.forEach((l) => l()), 0).unref?.();
  return id;
}

export function parseEvent(row: Database["notification_events"]): NotificationEvent {
  return {
    id: row.id,
    kind: row.kind as EventKind,
    at: Number(row.at),
    subject: row.subject,
    severity: row.severity,
    plugins: JSON.parse(row.plugins) as string[],
    runbooks: JSON.parse(row.runbooks) as string[],
    payload: JSON.parse(row.payload) as NotificationPayload,
  };
}

export interface PlannedDelivery {
  channel: string;
  recipient: string | null;
}

/** Channels that can address one person (e-mail to their address, Slack to their DM). */
export function personalChannels(channels: Record<string, ChannelConfig>): string[] {
  return Object.entries(channels)
    .filter(([, c]) => c.kind === "email" || (c.kind === "slack" && !!c.token))
    .map(([name]) => name);
}

/**
 * Which channels (and people) an event goes to: every matching route's channels; a route `to: {
 * rotation }` sends to whoever is on call then, through the route's channels or every channel that
 * can reach a person. Escalation events name their recipients themselves.
 */
export function planDeliveries(event: NotificationEvent, config: NotificationsConfig, onCallAt: (rotation: string, at: number) => string | null): PlannedDelivery[] {
  const out = new Map<string, PlannedDelivery>();
  const add = (channel: string, recipient: string | null) => {
    if (!config.channels[channel]) return;
    out.set(`${channel}:${recipient ?? ""}`, { channel, recipient });
  };
  const personal = personalChannels(config.channels);
  const recipients = Array.isArray(event.payload.recipients) ? (event.payload.recipients as string[]) : [];
  const viaChannels = Array.isArray(event.payload.viaChannels) ? (event.payload.viaChannels as string[]) : null;
  for (const user of recipients) for (const ch of viaChannels ?? personal) add(ch, user);
  if (event.kind === "test") {
    add(String(event.payload.channel), null);
    return [...out.values()];
  }
  for (const route of config.routes) {
    // An incident an alert rule declared is still a declared incident to a route that asks for those.
    if (route.events && !route.events.includes(event.kind) && !(event.kind === "alert.declared" && route.events.includes("incident.declared"))) continue;
    if (route.severities && (!event.severity || !route.severities.includes(event.severity))) continue;
    if (route.plugins && !route.plugins.some((p) => event.plugins.includes(p))) continue;
    if (route.runbooks && !route.runbooks.some((r) => event.runbooks.includes(r))) continue;
    if (route.to) {
      const user = onCallAt(route.to.rotation, event.at);
      if (user) for (const ch of route.channels ?? personal) add(ch, user);
    } else for (const ch of route.channels ?? []) add(ch, null);
  }
  return [...out.values()];
}

/** Turns unrouted events into deliveries. Safe on many instances at once: the dedupe key is unique. */
/** Why an event is held back when routed (an open incident or a silence covers a probe), or null. */
export type HoldCheck = (event: NotificationEvent) => Promise<string | null>;

export async function routeEvents(store: Store, notifications: NotificationsConfig, onCallAt: (rotation: string, at: number) => string | null, now = Date.now(), limit = 500, hold?: HoldCheck): Promise<number> {
  const rows = await store.db.selectFrom("notification_events").selectAll().where("routed_at", "is", null).orderBy("id").limit(limit).execute();
  if (!rows.length) return 0;
  const held = new Set<string>();
  if (hold) for (const row of rows) if (await hold(parseEvent(row))) held.add(row.id);
  let made = 0;
  await store.db.transaction().execute(async (trx) => {
    const values: Database["notification_deliveries"][] = [];
    for (const row of rows) {
      if (held.has(row.id)) continue;
      const event = parseEvent(row);
      for (const d of planDeliveries(event, notifications, onCallAt)) {
        values.push({
          id: newId("ndl_"),
          event_id: event.id,
          channel: d.channel,
          recipient: d.recipient,
          dedupe_key: `${event.id}:${d.channel}${d.recipient ? `:${d.recipient}` : ""}`.slice(0, 300),
          order_key: `${d.channel}|${d.recipient ?? ""}|${event.subject}`.slice(0, 320),
          status: "queued",
          attempts: 0,
          last_error: null,
          next_attempt_at: now,
          claimed_by: null,
          claimed_until: null,
          sent_at: null,
          created_at: now,
        });
      }
    }
    for (let i = 0; i < values.length; i += 200) {
      const res = await trx
        .insertInto("notification_deliveries")
        .values(values.slice(i, i + 200))
        .onConflict((oc) => oc.column("dedupe_key").doNothing())
        .executeTakeFirst();
      made += Number(res.numInsertedOrUpdatedRows ?? 0);
    }
    await trx
      .updateTable("notification_events")
      .set({ routed_at: now })
      .where(
        "id",
        "in",
        rows.map((r) => r.id),
      )
      .where("routed_at", "is", null)
      .execute();
  });
  return made;
}

export type DeliveryRow = Database["notification_deliveries"];

/**
 * Claims up to `limit` due deliveries for `lease` ms: one atomic UPDATE, so two senders never hold
 * the same row. A delivery waits while an earlier event of its subject on its channel is unsent.
 */
export async function claimDeliveries(store: Store, instance: string, now: number, lease: number, limit: number): Promise<DeliveryRow[]> {
  const q = sql<DeliveryRow>`
    update notification_deliveries set claimed_by = ${instance}, claimed_until = ${now + lease}, attempts = attempts + 1
    where id in (
      select d.id from notification_deliveries d
      where d.status in ('queued', 'retrying') and d.next_attempt_at <= ${now}
        and (d.claimed_until is null or d.claimed_until < ${now})
        and not exists (
          select 1 from notification_deliveries e
          where e.order_key = d.order_key and e.event_id < d.event_id and e.status in ('queued', 'retrying')
        )
      order by d.event_id limit ${limit}
    )
    and status in ('queued', 'retrying') and (claimed_until is null or claimed_until < ${now})
    returning *`;
  const res = await q.execute(store.db);
  return res.rows.map((r) => ({ ...r, attempts: Number(r.attempts), next_attempt_at: Number(r.next_attempt_at), created_at: Number(r.created_at) }));
}

/** Marks claimed deliveries sent — only those this instance still holds. */
export async function markSent(store: Store, ids: readonly string[], instance: string, now: number): Promise<void> {
  await store.db
    .updateTable("notification_deliveries")
    .set({ status: "sent", sent_at: now, claimed_until: null, last_error: null })
    .where("id", "in", ids)
    .where("claimed_by", "=", instance)
    .execute();
}

export async function markFailedAttempt(store: Store, d: DeliveryRow, instance: string, error: string, nextAt: number | null): Promise<void> {
  await store.db
    .updateTable("notification_deliveries")
    .set(nextAt == null ? { status: "failed", last_error: error.slice(0, 2000), claimed_until: null } : { status: "retrying", last_error: error.slice(0, 2000), next_attempt_at: nextAt, claimed_until: null })
    .where("id", "=", d.id)
    .where("claimed_by", "=", instance)
    .execute();
}

export interface DeliveryView {
  id: string;
  event: string;
  kind: string;
  subject: string;
  channel: string;
  recipient: string | null;
  status: "queued" | "sent" | "retrying" | "failed";
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
}

export async function listDeliveries(store: Store, options: { limit?: number; status?: string; channel?: string } = {}): Promise<DeliveryView[]> {
  let q = store.db
    .selectFrom("notification_deliveries as d")
    .innerJoin("notification_events as e", "e.id", "d.event_id")
    .select(["d.id", "d.event_id", "e.kind", "e.subject", "d.channel", "d.recipient", "d.status", "d.attempts", "d.last_error", "d.sent_at", "d.created_at"])
    .orderBy("d.created_at", "desc")
    .orderBy("d.event_id", "desc")
    .limit(Math.min(options.limit ?? 200, 1000));
  if (options.status) q = q.where("d.status", "=", options.status);
  if (options.channel) q = q.where("d.channel", "=", options.channel);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    event: r.event_id,
    kind: r.kind,
    subject: r.subject,
    channel: r.channel,
    recipient: r.recipient,
    status: r.status as DeliveryView["status"],
    attempts: Number(r.attempts),
    lastError: r.last_error,
    sentAt: r.sent_at == null ? null : new Date(Number(r.sent_at)).toISOString(),
    createdAt: new Date(Number(r.created_at)).toISOString(),
  }));
}

export type { OncallConfig };
