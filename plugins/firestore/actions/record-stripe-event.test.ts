import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionContext, previewContext, seededFirestore, type SeededFirestore } from "../testing";
import { ABSENT, recordStripeEvent } from "./record-stripe-event";

let fs: SeededFirestore;
beforeAll(async () => {
  fs = await seededFirestore();
});
afterAll(async () => {
  await fs?.stop();
});
const fix = () => recordStripeEvent(fs.client, "stripeEvents");

describe("firestore.record-stripe-event (firebase-admin against the emulator)", () => {
  it("records an event id once, so the handler will not process it twice", async () => {
    const a = fix();
    expect([a.risk, a.target!({ eventId: "evt_1" })]).toEqual(["high", "stripeEvents/evt_1"]);
    expect(a.input.safeParse({ eventId: "pi_1" }).success).toBe(false);
    const input = { eventId: "evt_3Pq8manualfix", type: "payment_intent.succeeded", orderId: "wx-1031" };
    const p = await a.preview!(input, previewContext());
    expect(p).toMatchObject({ count: 1, before: null, precondition: ABSENT, after: { id: "evt_3Pq8manualfix", orderId: "wx-1031" } });
    const r = await a.run({ ...input, precondition: p.precondition }, actionContext());
    expect(r.summary).toBe("evt_3Pq8manualfix recorded as processed in stripeEvents");
    const doc = (await fs.client.db.doc("stripeEvents/evt_3Pq8manualfix").get()).data()!;
    expect(doc).toMatchObject({ type: "payment_intent.succeeded", orderId: "wx-1031", recordedBy: "admin", source: "opsdeck manual fix" });

    const again = await a.preview!(input, previewContext());
    expect(again.summary).toMatch(/already recorded: running will refuse/);
    await expect(a.run({ ...input, precondition: again.precondition }, actionContext())).rejects.toThrow(/stripeEvents\/evt_3Pq8manualfix is already recorded \(processed at .*\): nothing to do/);
  });

  it("refuses with 'changed since preview' when the webhook recorded the event after the preview", async () => {
    const input = { eventId: "evt_3Pq8race" };
    const p = await fix().preview!(input, previewContext());
    await fs.client.db.doc("stripeEvents/evt_3Pq8race").create({ type: "payment_intent.succeeded", processedAt: new Date() });
    await expect(fix().run({ ...input, precondition: p.precondition }, actionContext())).rejects.toThrow(/^stripeEvents\/evt_3Pq8race changed since preview/);
    expect((await fs.client.db.doc("stripeEvents/evt_3Pq8race").get()).get("recordedBy")).toBeUndefined();
  });
});
