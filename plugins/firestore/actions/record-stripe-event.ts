// Records a Stripe event id as processed, so the webhook handler skips it if Stripe delivers it again.
import { z } from "zod";
import { action, ActionInputError } from "../../plugin-api";
import { updateTimeToken, type FirestoreClient } from "../client.server";
import { toPlain } from "../query";
import { abortable } from "../util";
import { ChangedSincePreviewError, nowTimestamp } from "./document-fix";

/** The preview's token for "the document does not exist yet". */
export const ABSENT = "absent";

export function recordStripeEvent(client: FirestoreClient, collection: string) {
  return action({
    id: "record-stripe-event",
    title: "Record a Stripe event as processed",
    description: `Creates ${collection}/<event id> so the event is not processed twice (after a manual fix). Refuses if the id is already recorded.`,
    input: z.object({
      eventId: z.string().regex(/^evt_[A-Za-z0-9_]+$/, "a Stripe event id (evt_…)").describe("Stripe event id (evt_…)"),
      type: z.string().regex(/^[a-z_.]+$/, "a Stripe event type such as payment_intent.succeeded").optional().describe("Event type (e.g. payment_intent.succeeded)"),
      orderId: z.string().regex(/^[^/\s]{1,200}$/).optional().describe("Order it belongs to (optional)"),
      note: z.string().trim().max(500).optional().describe("Note (optional)"),
    }),
    risk: "high",
    target: (i) => `${collection}/${i.eventId}`,
    timeout: "30s",
    async preview(i, { signal }) {
      const path = `${collection}/${i.eventId}`;
      const snap = await abortable(client.db.doc(path).get(), signal);
      if (snap.exists) {
        return {
          summary: `${path} is already recorded: running will refuse (nothing to do)`,
          count: 0,
          before: toPlain(snap.data()),
          after: toPlain(snap.data()),
          precondition: updateTimeToken(snap.updateTime!),
        };
      }
      const after = toPlain(eventDoc(i, "(you)", new Date()));
      return { summary: `create ${path} marking ${i.eventId} processed (one document)`, count: 1, before: null, after, precondition: ABSENT };
    },
    async run(i, ctx) {
      const path = `${collection}/${i.eventId}`;
      const ref = client.db.doc(path);
      const data = eventDoc(i, ctx.actor.username, new Date());
      await client.db.runTransaction(
        async (tx) => {
          const snap = await tx.get(ref);
          if (snap.exists) {
            if (i.precondition === ABSENT) throw new ChangedSincePreviewError(path, "it was recorded by someone else after the preview");
            throw new ActionInputError(`${path} is already recorded (processed at ${String(toPlain(snap.get("processedAt")) ?? "unknown")}): nothing to do`);
          }
          // create() carries an exists=false precondition, which the emulator honours too.
          tx.create(ref, data);
        },
        { maxAttempts: 1 },
      );
      ctx.log(`created ${path}`);
      ctx.progress(1, 1);
      return { summary: `${i.eventId} recorded as processed in ${collection}`, data: { path, after: toPlain(data) } };
    },
  });
}

function eventDoc(i: { eventId: string; type?: string; orderId?: string; note?: string }, by: string, now: Date) {
  return {
    id: i.eventId,
    type: i.type ?? null,
    orderId: i.orderId ?? null,
    processedAt: nowTimestamp(now),
    recordedBy: by,
    source: "opsdeck manual fix",
    note: i.note ?? null,
  };
}
