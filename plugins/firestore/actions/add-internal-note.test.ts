import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionContext, previewContext, seededFirestore, type SeededFirestore } from "../testing";
import { addInternalNote } from "./add-internal-note";

let fs: SeededFirestore;
beforeAll(async () => {
  fs = await seededFirestore();
});
afterAll(async () => {
  await fs?.stop();
});
const tick = () => new Promise((r) => setTimeout(r, 3));
const fix = () => addInternalNote(fs.client, fs.config.orders!);

describe("firestore.add-internal-note (firebase-admin against the emulator)", () => {
  it("appends notes with author and time, keeping earlier ones", async () => {
    expect(fix().input.safeParse({ orderId: "wx-1033", note: "" }).success).toBe(false);
    const p = await fix().preview!({ orderId: "wx-1033", note: "Webhook secret rotated; paid in Stripe" }, previewContext());
    expect(p.summary).toBe('note #1 by admin: "Webhook secret rotated; paid in Stripe" (orders/wx-1033, one document)');
    await fix().run({ orderId: "wx-1033", note: "Webhook secret rotated; paid in Stripe", precondition: p.precondition }, actionContext());
    await tick();
    const p2 = await fix().preview!({ orderId: "wx-1033", note: "Confirmed by replaying evt" }, previewContext());
    await fix().run({ orderId: "wx-1033", note: "Confirmed by replaying evt", precondition: p2.precondition }, actionContext());
    const notes = (await fs.client.db.doc("orders/wx-1033").get()).get("internalNotes");
    expect(notes.map((n: { text: string; by: string }) => [n.text, n.by])).toEqual([
      ["Webhook secret rotated; paid in Stripe", "admin"],
      ["Confirmed by replaying evt", "admin"],
    ]);
    expect(notes[1].at.toMillis()).toBeGreaterThanOrEqual(notes[0].at.toMillis());
  });

  it("refuses with 'changed since preview' when someone else wrote a note meanwhile", async () => {
    const p = await fix().preview!({ orderId: "wx-1032", note: "first look" }, previewContext());
    await tick();
    await fs.client.db.doc("orders/wx-1032").update({ internalNotes: [{ text: "someone else", by: "responder" }] });
    await expect(fix().run({ orderId: "wx-1032", note: "first look", precondition: p.precondition }, actionContext())).rejects.toThrow(/changed since preview/);
    expect((await fs.client.db.doc("orders/wx-1032").get()).get("internalNotes")).toEqual([{ text: "someone else", by: "responder" }]);
  });
});
