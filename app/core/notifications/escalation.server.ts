// Escalation: an approval request or a P1 climbs its policy's levels until someone acknowledges it
// (an admin decides the request, a commander takes the incident, or someone presses Acknowledge).
// Each level due is claimed with a lease and notified by an outbox event in the same transaction
// that moves the level on, so a level is notified once across instances.
import type { Kysely } from "kysely";
import { parseDuration } from "../../../plugins/plugin-api";
import type { Database } from "../db/schema";
import type { Store } from "../db/store.server";
import { newId } from "../ids.server";
import type { OncallConfig } from "./config";
import { listOverrides, onCallAt } from "./oncall.server";
import { recordNotification, type NotificationPayload } from "./outbox.server";

type Db = Kysely<Database>;

export const DEFAULT_POLICY = "default";

/** Starts climbing (level 0 due at once) — pass the transaction of the request or declaration. */
export async function startEscalation(db: Db, e: { kind: "approval" | "incident"; subject: string; at: number; policy?: string }): Promise<void> {
  await db
    .insertInto("escalations")
    .values({ id: newId("esc_"), kind: e.kind, subject: e.subject, policy: e.policy ?? DEFAULT_POLICY, level: -1, started_at: e.at, next_at: e.at, acknowledged_by: null, acknowledged_at: null, claimed_until: null })
    .onConflict((oc) => oc.column("subject").doNothing())
    .execute();
}

export async function acknowledgeEscalation(db: Db, subject: string, by: string, at = Date.now()): Promise<boolean> {
  const res = await db.updateTable("escalations").set({ acknowledged_by: by, acknowledged_at: at, next_at: null }).where("subject", "=", subject).where("acknowledged_at", "is", null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export interface EscalationView {
  id: string;
  kind: string;
  subject: string;
  policy: string;
  level: number;
  startedAt: string;
  nextAt: string | null;
  acknowledgedBy: string | null;
}

export async function listEscalations(store: Store, limit = 100): Promise<EscalationView[]> {
  const rows = await store.db.selectFrom("escalations").selectAll().orderBy("started_at", "desc").limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    subject: r.subject,
    policy: r.policy,
    level: Number(r.level),
    startedAt: new Date(Number(r.started_at)).toISOString(),
    nextAt: r.next_at == null ? null : new Date(Number(r.next_at)).toISOString(),
    acknowledgedBy: r.acknowledged_by,
  }));
}

/** Whether the subject still waits for someone: the request undecided, the incident untaken. */
async function stillWaiting(db: Db, kind: string, subject: string): Promise<{ waiting: boolean; by?: string }> {
  if (kind === "approval") {
    const run = await db.selectFrom("action_runs").select(["status", "approved_by"]).where("id", "=", subject).executeTakeFirst();
    if (!run) return { waiting: false, by: "system:gone" };
    return run.status === "awaiting_approval" || run.status === "requested" ? { waiting: true } : { waiting: false, by: run.approved_by ?? `system:${run.status}` };
  }
  const inc = await db.selectFrom("incidents").select(["acknowledged_at", "commander", "status"]).where("id", "=", subject).executeTakeFirst();
  if (!inc) return { waiting: false, by: "system:gone" };
  if (inc.acknowledged_at != null) return { waiting: false, by: inc.commander ?? "someone" };
  return inc.status === "resolved" || inc.status === "closed" ? { waiting: false, by: `system:${inc.status}` } : { waiting: true };
}

/**
 * Moves every due escalation one level on (or stops it when its subject no longer waits).
 * Returns how many levels were notified.
 */
export async function escalationTick(store: Store, oncall: OncallConfig, now: number, instance: string, leaseMs = 30_000): Promise<number> {
  const due = await store.db.selectFrom("escalations").selectAll().where("next_at", "<=", now).where("acknowledged_at", "is", null).orderBy("next_at").limit(100).execute();
  if (!due.length) return 0;
  const overrides = await listOverrides(store, now);
  let notified = 0;
  for (const e of due) {
    const claim = await store.db
      .updateTable("escalations")
      .set({ claimed_until: now + leaseMs })
      .where("id", "=", e.id)
      .where("level", "=", e.level)
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now)]))
      .executeTakeFirst();
    if (Number(claim.numUpdatedRows) === 0) continue; // another instance has it
    await store.db.transaction().execute(async (trx) => {
      const state = await stillWaiting(trx, e.kind, e.subject);
      const levels = oncall.escalation[e.policy];
      if (!state.waiting || !levels) {
        await trx.updateTable("escalations").set({ next_at: null, claimed_until: null, ...(state.waiting ? {} : { acknowledged_by: state.by ?? null, acknowledged_at: now }) }).where("id", "=", e.id).execute();
        return;
      }
      const level = Number(e.level) + 1;
      const step = levels[level]!;
      const dueAt = Number(e.started_at) + parseDuration(step.after);
      if (now < dueAt) {
        await trx.updateTable("escalations").set({ next_at: dueAt, claimed_until: null }).where("id", "=", e.id).execute();
        return;
      }
      const recipients = step.rotation ? [onCallAt(oncall, overrides, step.rotation, now)].filter((u): u is string => !!u) : step.users!;
      const origin = await trx.selectFrom("notification_events").select(["payload", "severity", "plugins", "runbooks"]).where("subject", "=", e.subject).where("kind", "!=", "escalation").orderBy("id").executeTakeFirst();
      const first = origin ? (JSON.parse(origin.payload) as NotificationPayload) : { title: e.subject };
      await recordNotification(trx, {
        kind: "escalation",
        subject: e.subject,
        severity: origin?.severity ?? null,
        plugins: origin ? (JSON.parse(origin.plugins) as string[]) : [],
        runbooks: origin ? (JSON.parse(origin.runbooks) as string[]) : [],
        at: now,
        payload: {
          ...first,
          title: `${level === 0 ? "" : `Not acknowledged — escalated to level ${level + 1}: `}${first.title}`,
          level: `${level + 1} of ${levels.length} (${step.rotation ? `on call for ${step.rotation}` : step.users!.join(", ")})`,
          recipients,
          ...(step.channels ? { viaChannels: step.channels } : {}),
          escalates: e.kind,
        },
      });
      const next = levels[level + 1];
      await trx
        .updateTable("escalations")
        .set({ level, next_at: next ? Number(e.started_at) + parseDuration(next.after) : null, claimed_until: null })
        .where("id", "=", e.id)
        .execute();
      notified++;
    });
  }
  return notified;
}
