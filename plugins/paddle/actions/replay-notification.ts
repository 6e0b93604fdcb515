import type { Paddle } from "@paddle/paddle-node-sdk";
import { z } from "zod";
import { action, ActionInputError, type ActionDefinition } from "../../plugin-api";
import { describePaddleError, isPaddleError } from "../client.server";

const Input = z.object({
  notificationId: z.string().trim().regex(/^ntf_[a-z0-9]+$/, "must be a Paddle notification id (ntf_…)"),
});

/** Paddle's rule for replays, in Paddle's words (the API answers the same codes when asked). */
const NOT_REPLAYABLE: Record<string, string> = {
  notification_replay_invalid_origin_type: "Notification cannot be replayed. Only notifications with origin 'event' can be replayed.",
  notification_cannot_replay: "Notification cannot be replayed. Only delivered or failed notifications can be replayed.",
};

async function lookUp(paddle: Paddle, notificationId: string) {
  let n;
  try {
    n = await paddle.notifications.get(notificationId);
  } catch (err) {
    if (isPaddleError(err, "not_found", "entity_not_found")) throw new ActionInputError(`Paddle has no notification ${notificationId}`, { notificationId: ["not found in this Paddle account"] });
    throw new Error(describePaddleError(err));
  }
  const logs = [];
  try {
    for await (const l of paddle.notifications.getLogs(notificationId)) logs.push(l);
  } catch (err) {
    throw new Error(describePaddleError(err));
  }
  let destination = n.notificationSettingId;
  try {
    const s = (await paddle.notificationSettings.list()).find((x) => x.id === n.notificationSettingId);
    if (s) destination = `${s.description} (${s.destination})`;
  } catch {
    // The destination's name is a courtesy; its id is already known.
  }
  return { n, logs, destination };
}

function refusal(n: { origin: string; status: string }): string | null {
  if (n.origin !== "event") return `${NOT_REPLAYABLE.notification_replay_invalid_origin_type} (notification_replay_invalid_origin_type; this one has origin '${n.origin}')`;
  if (n.status !== "delivered" && n.status !== "failed") return `${NOT_REPLAYABLE.notification_cannot_replay} (notification_cannot_replay; this one is '${n.status}')`;
  return null;
}

export function replayNotification(paddle: Paddle): ActionDefinition<z.infer<typeof Input>> {
  return action({
    id: "replay-notification",
    title: "Replay a Paddle notification",
    description: "Asks Paddle to send one notification again to its destination (a new notification with origin replay). The app's idempotency should make a second delivery harmless.",
    input: Input,
    risk: "high",
    target: (i) => i.notificationId,
    rateLimit: { max: 1, per: "1m" },
    async preview({ notificationId }) {
      const { n, logs, destination } = await lookUp(paddle, notificationId);
      const why = refusal(n);
      if (why) throw new ActionInputError(why, { notificationId: [why] });
      const last = logs[0];
      return {
        summary: `Replay ${n.type} (${n.payload.eventId}) to ${destination}: ${n.status} after ${n.timesAttempted} attempt${n.timesAttempted === 1 ? "" : "s"}, last response ${last ? (last.responseCode || "no answer") : "none"}`,
        count: 1,
        before: { status: n.status, origin: n.origin, timesAttempted: n.timesAttempted, lastResponseCode: last?.responseCode ?? null },
        rows: logs.slice(0, 10).map((l) => ({ attemptedAt: l.attemptedAt, responseCode: l.responseCode, responseBody: l.responseBody.slice(0, 200) })),
        precondition: `${n.status}:${n.timesAttempted}`,
      };
    },
    async run({ notificationId, precondition }, ctx) {
      let replayId: string;
      try {
        const current = await paddle.notifications.get(notificationId);
        if (precondition && precondition !== `${current.status}:${current.timesAttempted}`) {
          throw new ActionInputError(`Notification ${notificationId} changed since the preview (now ${current.status} after ${current.timesAttempted} attempts); preview again`);
        }
        replayId = (await paddle.notifications.replay(notificationId)).notificationId;
      } catch (err) {
        if (err instanceof ActionInputError) throw err;
        if (isPaddleError(err, ...Object.keys(NOT_REPLAYABLE))) throw new ActionInputError(`${err.detail} (${err.code})`, { notificationId: [err.detail] });
        throw new Error(describePaddleError(err));
      }
      ctx.log(`Paddle accepted the replay: new notification ${replayId}`);
      // Paddle delivers after answering 202: follow the new notification for a few seconds.
      let status = "not_attempted";
      let origin = "replay";
      for (let i = 0; i < 20 && !ctx.signal.aborted; i++) {
        const r = await paddle.notifications.get(replayId).catch(() => null);
        if (r) {
          status = r.status;
          origin = r.origin;
          if (status === "delivered" || status === "failed") break;
        }
        await new Promise((res) => setTimeout(res, 250));
      }
      ctx.log(`${replayId}: ${status}`);
      return {
        summary: `Replayed ${notificationId} as ${replayId} (origin ${origin}): ${status}`,
        data: { notificationId: replayId, origin, status },
      };
    },
  });
}
