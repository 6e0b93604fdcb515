// What people do with notifications from the portal, each audited: a test message through one
// channel, an on-call override for a date range, an escalation acknowledged.
import { z } from "zod";
import { audit } from "../audit/audit.server";
import type { User } from "../auth.server";
import { ConflictError, InputError, NotFoundError, parseWith } from "../http/errors.server";
import type { Portal } from "../portal.server";
import { acknowledgeEscalation } from "./escalation.server";
import { insertOverride } from "./oncall.server";
import { recordNotification } from "./outbox.server";

const who = (user: User) => ({ actor: user.username, roles: user.roles });

export async function sendTest(portal: Portal, user: User, channel: string): Promise<{ event: string }> {
  const cfg = portal.config.notifications.channels[channel];
  if (!cfg) throw new InputError({ channel: [`no channel "${channel.slice(0, 100)}" in notifications.channels`] });
  let event = "";
  await audit(portal, { ...who(user), action: "notifications.test", target: channel, outcome: "requested", details: { kind: cfg.kind } }, async (db) => {
    event = await recordNotification(db, { kind: "test", subject: `test:${channel}`, payload: { title: `Test message from Opsdeck (${channel})`, summary: `Sent by ${user.username} from the notifications page.`, channel, link: "/admin/notifications" } });
  });
  return { event };
}

const OverrideSchema = z
  .object({
    rotation: z.string().min(1).max(100),
    username: z.string().min(1).max(100),
    startsAt: z.coerce.date(),
    endsAt: z.coerce.date(),
  })
  .strict()
  .refine((o) => o.endsAt.getTime() > o.startsAt.getTime(), { path: ["endsAt"], message: "must be after startsAt" });

export async function addOverride(portal: Portal, user: User, input: unknown): Promise<{ id: string }> {
  const o = parseWith(OverrideSchema, input);
  if (!portal.config.oncall.rotations[o.rotation]) throw new InputError({ rotation: [`no rotation "${o.rotation}" in oncall.rotations`] });
  const known = await portal.store.db.selectFrom("users").select("id").where("username", "=", o.username).executeTakeFirst();
  if (!known && !portal.config.oncall.rotations[o.rotation]!.members.includes(o.username)) throw new InputError({ username: [`no user "${o.username}"`] });
  let id = "";
  await audit(portal, { ...who(user), action: "oncall.override", target: o.rotation, outcome: "succeeded", details: { username: o.username, startsAt: o.startsAt.toISOString(), endsAt: o.endsAt.toISOString() } }, async (db) => {
    id = await insertOverride(db, { rotation: o.rotation, username: o.username, startsAt: o.startsAt.getTime(), endsAt: o.endsAt.getTime(), createdBy: user.username });
  });
  return { id };
}

export async function acknowledge(portal: Portal, user: User, subject: string): Promise<void> {
  const row = await portal.store.db.selectFrom("escalations").select(["acknowledged_at"]).where("subject", "=", subject).executeTakeFirst();
  if (!row) throw new NotFoundError(`nothing escalates for ${subject.slice(0, 100)}`);
  if (row.acknowledged_at != null) throw new ConflictError("already acknowledged");
  await audit(portal, { ...who(user), action: "oncall.acknowledge", target: subject, outcome: "succeeded" }, async (db) => {
    if (!(await acknowledgeEscalation(db, subject, user.username))) throw new ConflictError("already acknowledged");
  });
}
