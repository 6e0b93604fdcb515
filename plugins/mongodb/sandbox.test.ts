import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMongoSandbox, WRITE_COMMANDS, type MongoSandbox } from "./sandbox";

const DAY = 86_400_000;
let sandbox: MongoSandbox;
let client: MongoClient;

beforeAll(async () => {
  const now = Date.now();
  sandbox = await startMongoSandbox({
    data: {
      shop: {
        orders: Array.from({ length: 250 }, (_, i) => ({ _id: `o-${i}`, status: i % 5 === 0 ? "paid" : "confirmed", amount: i * 100, createdAt: new Date(now - i * DAY), webhook: { processedAt: i % 10 === 0 ? null : new Date(now) } })),
      },
    },
    operations: [{ opid: 77, secsRunning: 120, op: "query", ns: "shop.orders", command: { find: "orders" }, client: "10.0.0.9:5000" }],
  });
  client = new MongoClient(sandbox.uri, { serverSelectionTimeoutMS: 3000 });
  await client.connect();
});
afterAll(async () => {
  await client?.close();
  await sandbox?.stop();
});

describe("the MongoDB wire-protocol sandbox, through the official driver", () => {
  it("answers ping and buildInfo", async () => {
    expect((await client.db("admin").command({ ping: 1 })).ok).toBe(1);
    expect((await client.db("admin").command({ buildInfo: 1 })).version).toMatch(/sandbox/);
  });

  it("finds with mingo's semantics, sorts, limits, projects and pages through getMore", async () => {
    const orders = client.db("shop").collection("orders");
    const all = await orders.find({ amount: { $gte: 0 } }).toArray();
    expect(all).toHaveLength(250); // more than one batch: getMore was needed
    expect(sandbox.commands.some((c) => c.name === "getMore")).toBe(true);
    const top = await orders.find({ status: "paid" }).sort({ amount: -1 }).limit(3).project({ amount: 1, _id: 0 }).toArray();
    expect(top).toEqual([{ amount: 24500 }, { amount: 24000 }, { amount: 23500 }]);
    expect(await orders.countDocuments({ status: "paid", "webhook.processedAt": null })).toBe(25);
    expect(await orders.countDocuments({ createdAt: { $lt: new Date(Date.now() - 100 * DAY) } })).toBe(150);
    expect(await orders.estimatedDocumentCount()).toBe(250);
    expect((await orders.distinct("status")).sort()).toEqual(["confirmed", "paid"]);
    const grouped = await orders.aggregate([{ $group: { _id: "$status", n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray();
    expect(grouped).toEqual([{ _id: "confirmed", n: 200 }, { _id: "paid", n: 50 }]);
  });

  it("kills a cursor the client abandons", async () => {
    const cursor = client.db("shop").collection("orders").find({}, { batchSize: 10 });
    await cursor.next();
    await cursor.close();
    expect(sandbox.commands.some((c) => c.name === "killCursors")).toBe(true);
  });

  it("updates one document with an operator document", async () => {
    const res = await client.db("shop").collection<{ _id: string; status: string }>("orders").updateOne({ _id: "o-5", status: "paid" }, { $set: { status: "confirmed" } });
    expect(res.matchedCount).toBe(1);
    expect(sandbox.collection("shop", "orders").find((d) => d._id === "o-5")?.status).toBe("confirmed");
  });

  it("reports operations, kills one, and says it is not a replica set", async () => {
    const admin = client.db("admin");
    const ops = await admin.command({ currentOp: 1 });
    expect(ops.inprog.find((o: { opid: number }) => o.opid === 77)?.secs_running).toBeGreaterThanOrEqual(120);
    await admin.command({ killOp: 1, op: 77 });
    expect((await admin.command({ currentOp: 1 })).inprog.some((o: { opid: number }) => o.opid === 77)).toBe(false);
    const status = await admin.command({ serverStatus: 1 });
    expect(status.connections.current).toBeGreaterThan(0);
    await expect(admin.command({ replSetGetStatus: 1 })).rejects.toMatchObject({ code: 76 });
    await expect(admin.command({ noSuchThing: 1 })).rejects.toMatchObject({ code: 59 });
  });

  it("lists collections and databases, and logs each command by name", async () => {
    const names = (await client.db("shop").listCollections().toArray()).map((c) => c.name);
    expect(names).toEqual(["orders"]);
    const dbs = await client.db("admin").admin().listDatabases();
    expect(dbs.databases.map((d) => d.name)).toContain("shop");
    expect(sandbox.commands.map((c) => c.name)).toContain("listCollections");
    expect(sandbox.commands.filter((c) => WRITE_COMMANDS.has(c.name)).map((c) => c.name)).toEqual(["update"]);
  });
});
