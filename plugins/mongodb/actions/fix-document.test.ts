import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMongoSandbox, WRITE_COMMANDS, type MongoSandbox } from "../sandbox";
import { fixDocument } from "./fix-document";

let sandbox: MongoSandbox;
let client: MongoClient;
const ctx = { runId: "r", actor: { username: "admin", roles: ["admin"] }, idempotencyKey: "k", signal: new AbortController().signal, log: () => {}, progress: () => {} };
const preview = { signal: new AbortController().signal, actor: ctx.actor };

beforeAll(async () => {
  sandbox = await startMongoSandbox({ data: { shop: { orders: [{ _id: "wx-1", status: "paid", webhook: { processedAt: null }, amount: 100 }] } } });
  client = new MongoClient(sandbox.uri);
});
afterAll(async () => {
  await client.close();
  await sandbox.stop();
});

describe("mongodb.fix-document", () => {
  const action = () => fixDocument(client.db("shop"), { orders: { fields: ["status", "webhook.processedAt"] } });
  const input = { collection: "orders", id: "wx-1", set: { status: "confirmed", "webhook.processedAt": { $date: "now" } } };

  it("refuses fields outside the allow-list, in set and in expect (no operator keys reach a filter)", async () => {
    await expect(action().preview!({ ...input, set: { amount: 1 } }, preview)).rejects.toThrow(/not allow-listed for orders: amount/);
    await expect(action().preview!({ ...input, expect: { $where: "sleep(100)" } }, preview)).rejects.toThrow(/expect names fields that are not allow-listed/);
  });

  it("a stale precondition is refused and nothing is written; a fresh one writes", async () => {
    const p = await action().preview!(input, preview);
    expect(p.before).toEqual({ status: "paid", "webhook.processedAt": null });
    const orders = client.db("shop").collection<{ _id: string; status: string }>("orders");
    await orders.updateOne({ _id: "wx-1" }, { $set: { status: "on_hold" } });
    const updatesBefore = sandbox.commands.filter((c) => WRITE_COMMANDS.has(c.name)).length;
    await expect(action().run({ ...input, precondition: p.precondition }, ctx)).rejects.toThrow(/changed since preview/);
    expect((await orders.findOne({ _id: "wx-1" }))?.status).toBe("on_hold");
    expect(sandbox.commands.filter((c) => WRITE_COMMANDS.has(c.name)).length).toBe(updatesBefore + 1); // one guarded update that matched nothing
    await orders.updateOne({ _id: "wx-1" }, { $set: { status: "paid" } });
    const fresh = await action().preview!(input, preview);
    await action().run({ ...input, precondition: fresh.precondition }, ctx);
    const doc = (await orders.findOne({ _id: "wx-1" })) as unknown as { status: string; webhook: { processedAt: Date } };
    expect(doc.status).toBe("confirmed");
    expect(doc.webhook.processedAt).toBeInstanceOf(Date);
  });
});
