import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { MongoClient } from "mongodb";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mongoShopSeed, MONGO_STORY } from "../../demo/shop/mongo";
import { ordersRef, type OrdersLedger } from "../../plugins/orders-api";
import mongodbPlugin from "../../plugins/mongodb";
import { demoConfig } from "../../plugins/mongodb/demo-config";
import { HOSTILE } from "../../plugins/mongodb/hostile-corpus";
import { startMongoSandbox, WRITE_COMMANDS, type MongoSandbox } from "../../plugins/mongodb/sandbox";
import { previewAction, submitAction } from "~/core/actions/pipeline.server";
import { localRuns } from "~/core/actions/runner.server";
import { createOrUpdateUser, type User } from "~/core/auth.server";
import { probeEngine } from "~/core/probes/service.server";
import { settleRun, testPortal } from "../helpers/portal";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

// The mongodb plugin through the portal, against the wire-protocol sandbox seeded with the demo
// shop (and, when OPSDECK_TEST_MONGO_URI is set, against a real mongod in a database of its own).
const SEEDS = process.env.OPSDECK_SEEDS_DIR ?? path.resolve(__dirname, "../..", "../shared/seeds");
const seed001 = fs.existsSync(SEEDS) ? fs.readdirSync(SEEDS).find((f) => f.startsWith("001_")) : undefined;
if (!seed001) console.warn(`mongodb-plugin: seed 001 not found in ${SEEDS} (set OPSDECK_SEEDS_DIR): its queries are skipped`);

/** Seed 001's Mongo queries as written: each line's text from `db.` to its end. */
function seedQueries(): string[] {
  const text = fs.readFileSync(path.join(SEEDS, seed001!), "utf8");
  return text
    .split(/\r?\n/)
    .map((l) => /\bdb\.[A-Za-z]\w*\.\w+\(.*$/.exec(l)?.[0]?.trim())
    .filter((q): q is string => !!q);
}

const admin: User = { id: "u_admin", username: "admin", displayName: null, roles: ["admin"], via: "session" };
const responder: User = { id: "u_resp", username: "resp", displayName: null, roles: ["responder"], via: "session" };

interface Target {
  name: string;
  uri: string;
  database: string;
  sandbox?: MongoSandbox;
  stop(): Promise<void>;
}

async function sandboxTarget(): Promise<Target> {
  const seed = mongoShopSeed();
  const sandbox = await startMongoSandbox(seed);
  return { name: "sandbox", uri: sandbox.uri, database: seed.database, sandbox, stop: () => sandbox.stop() };
}

async function realTarget(uri: string): Promise<Target> {
  const seed = mongoShopSeed();
  const database = `opsdeck_test_${process.pid}_${Date.now().toString(36)}`;
  const client = new MongoClient(uri);
  const db = client.db(database);
  for (const [name, docs] of Object.entries(seed.data[seed.database]!)) await db.collection(name).insertMany(docs as never[]);
  return {
    name: "mongod",
    uri,
    database,
    async stop() {
      await db.dropDatabase();
      await client.close();
    },
  };
}

const targets: [string, () => Promise<Target>][] = [["sandbox", sandboxTarget]];
if (process.env.OPSDECK_TEST_MONGO_URI) targets.push(["mongod", () => realTarget(process.env.OPSDECK_TEST_MONGO_URI!)]);

describe.each(targets)("mongodb plugin through the portal (%s)", (_name, start) => {
  let target: Target;
  let t: Awaited<ReturnType<typeof testPortal>>;
  let direct: MongoClient;

  const run = async (user: User, actionId: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const res = await answerOf(submitAction(t.portal, user, actionId, { input, idempotencyKey: crypto.randomUUID(), ...extra }));
    if (res.status !== 202) return { res, run: null };
    return { res, run: await settleRun(t.portal, res.body.runId as string, { timeoutMs: 20_000 }) };
  };
  const probe = async (id: string) => {
    const engine = probeEngine(t.portal);
    return engine.view(id, await engine.refresh(id), false);
  };

  beforeAll(async () => {
    target = await start();
    direct = new MongoClient(target.uri);
    const config = { ...demoConfig(target.uri, target.database), orders: {} };
    t = await testPortal({ config: { plugins: { mongodb: config } }, plugins: [mongodbPlugin] });
    for (const u of [admin, responder]) await createOrUpdateUser(t.portal.store, { username: u.username, password: "test-password-123", roles: u.roles as never });
  });
  afterAll(async () => {
    await t?.cleanup();
    await direct?.close();
    await target?.stop();
  });

  it.runIf(!!seed001)("runs seed 001's eight Mongo queries as written, read-only, with the story's counts", async () => {
    const queries = seedQueries();
    expect(queries).toHaveLength(8);
    const counts: Record<string, number> = {};
    for (const query of queries) {
      const { res, run: r } = await run(responder, "mongodb.query", { query });
      expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(202);
      expect(r!.status, query).toBe("succeeded");
      const data = (r!.result as { data: { count: number; kind: string } }).data;
      expect(data.kind).toBe("mongo");
      counts[query] = data.count;
    }
    const byText = (needle: string) => Object.entries(counts).filter(([q]) => q.includes(needle)).map(([, n]) => n);
    // Paid but unconfirmed: the three paid since the rotation and one paid four minutes ago.
    expect(byText(`countDocuments({ status: "paid"`)).toEqual([MONGO_STORY.paidUnconfirmed.length]);
    // Stuck paid (untouched for ten minutes): the recent one is still inside the webhook window.
    expect(byText(`updatedAt: { $lt`)).toEqual([MONGO_STORY.paidUnconfirmed.length - 1]);
    expect(byText(`"invoice.status": "failed"`)).toEqual([3, 3, 3]);
    expect(byText("couponreservations")).toEqual([3, 3]);
    expect(byText("stripewebhookevents")).toEqual([MONGO_STORY.unfinishedEvents.length]);
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(0);
    if (target.sandbox) expect(target.sandbox.commands.filter((c) => WRITE_COMMANDS.has(c.name))).toEqual([]);
  });

  it("refuses the hostile corpus with a 400 naming the construct; nothing reaches the server", async () => {
    // Earlier runs re-read the plugin's probes when they finish (boot's refreshProbesAfterRuns):
    // currentOp, serverStatus and the configured queries' counts, which may still be on their way.
    // Settle them first; a refused input starts no run, so from here nothing else reads.
    await Promise.all([...localRuns().values()].map((r) => r.done));
    const engine = probeEngine(t.portal);
    await Promise.all(engine.ids().filter((id) => engine.probe(id).pluginId === "mongodb").map((id) => engine.refresh(id)));
    const before = target.sandbox?.commands.length ?? 0;
    for (const [query] of HOSTILE) {
      const res = await answerOf(submitAction(t.portal, responder, "mongodb.query", { input: { query }, idempotencyKey: crypto.randomUUID() }));
      expect(res.status, query.slice(0, 80)).toBe(400);
      expect(res.body.error, query.slice(0, 80)).not.toBe("the request is not valid");
    }
    if (target.sandbox) {
      const sent = target.sandbox.commands.slice(before).filter((c) => !/^(hello|isMaster|ismaster|ping|endSessions)$/.test(c.name));
      expect(sent).toEqual([]);
    }
    const refused = await answerOf(submitAction(t.portal, responder, "mongodb.query", { input: { query: `db.orders.find({ $where: "sleep(10000)" })` }, idempotencyKey: crypto.randomUUID() }));
    expect(refused.body.error).toMatch(/\$where is refused/);
  });

  it("reads the configured probes and the server's health", async () => {
    expect((await probe("mongodb.paid-unconfirmed")).value).toBe(MONGO_STORY.paidUnconfirmed.length);
    expect((await probe("mongodb.coupon-leaks")).value).toBe(MONGO_STORY.leakedReservations.length);
    const ping = await probe("mongodb.ping");
    expect(ping.status).toBe("ok");
    expect((await probe("mongodb.connections")).value).toBeGreaterThan(0);
    const lag = await probe("mongodb.replication-lag");
    expect(lag.summary).toMatch(/not a replica set|largest lag/);
  });

  it("fix-document: a stale precondition is refused and nothing is written; a fresh one changes the counts", async () => {
    const id = MONGO_STORY.paidUnconfirmed[0];
    const input = { collection: "orders", id, set: { status: "confirmed", "webhook.processedAt": { $date: "now" } } };
    const notAllowed = await answerOf(previewAction(t.portal, admin, "mongodb.fix-document", { input: { ...input, set: { amount: 1 } } }), answerData);
    expect(notAllowed.body.previewInvalid).toBe(true);
    expect(notAllowed.body.previewError).toMatch(/not allow-listed/);
    const operatorKey = await answerOf(previewAction(t.portal, admin, "mongodb.fix-document", { input: { ...input, expect: { $where: "sleep(100)" } } }), answerData);
    expect(operatorKey.body.previewError).toMatch(/expect names fields that are not allow-listed/);

    const preview = await answerOf(previewAction(t.portal, admin, "mongodb.fix-document", { input }), answerData);
    expect(preview.status).toBe(200);
    const p = preview.body.preview as { before: Record<string, unknown>; after: Record<string, unknown>; precondition: string };
    expect(p.before).toEqual({ status: "paid", "webhook.processedAt": null });
    expect(p.after.status).toBe("confirmed");

    // Someone else touches the order after the preview.
    const orders = direct.db(target.database).collection<{ _id: string; status: string }>("orders");
    await orders.updateOne({ _id: id }, { $set: { status: "on_hold" } });
    const stale = await run(admin, "mongodb.fix-document", input, { confirm: `orders/${id}`, precondition: p.precondition });
    expect(stale.run?.status ?? stale.res.status).not.toBe("succeeded");
    expect(JSON.stringify(stale.run ?? stale.res.body)).toMatch(/changed since preview/);
    expect((await orders.findOne({ _id: id }))?.status).toBe("on_hold");
    await orders.updateOne({ _id: id }, { $set: { status: "paid" } });

    const fresh = await answerOf(previewAction(t.portal, admin, "mongodb.fix-document", { input }), answerData);
    const done = await run(admin, "mongodb.fix-document", input, { confirm: `orders/${id}`, precondition: (fresh.body.preview as { precondition: string }).precondition });
    expect(done.run?.status, JSON.stringify(done.res.body)).toBe("succeeded");
    expect((await probe("mongodb.paid-unconfirmed")).value).toBe(MONGO_STORY.paidUnconfirmed.length - 1);
  });

  it.runIf(_name === "sandbox")("kill-op ends only an operation the slow-operations probe shows", async () => {
    const slow = await probe("mongodb.slow-operations");
    expect(slow.value).toBe(1);
    const bogus = await answerOf(previewAction(t.portal, admin, "mongodb.kill-op", { input: { opid: 999_999 } }), answerData);
    expect(bogus.body.previewInvalid).toBe(true);
    expect(bogus.body.previewError).toMatch(/not running longer than 30 s/);
    const killed = await run(admin, "mongodb.kill-op", { opid: MONGO_STORY.slowOpid }, { confirm: `op:${MONGO_STORY.slowOpid}` });
    expect(killed.run?.status, JSON.stringify(killed.res.body)).toBe("succeeded");
    expect((await probe("mongodb.slow-operations")).value).toBe(0);
  });

  it("provides the orders ledger", async () => {
    const ledger = t.portal.registry.services.get(ordersRef)!;
    const order = await ledger.findById("wx-1033");
    expect(order).toMatchObject({ id: "wx-1033", status: "paid", paymentIntentId: "pi_demo_wx1033", amount: 152_000, currency: "usd" });
    expect(await ledger.findByPaymentIntent("pi_demo_wx1035")).toBeNull();
    const all = await ledger.listOrders({ from: new Date(Date.now() - 30 * 86_400_000), to: new Date() });
    expect(all.length).toBeGreaterThan(10);
    expect(ledger.fixActions!(order!)[0]).toMatchObject({ actionId: "mongodb.fix-document" });
  });
});

describe("mongodb plugin setup", () => {
  it("refuses a query outside the subset at start, naming the key", () => {
    const parsed = mongodbPlugin.config.safeParse({ uri: "mongodb://127.0.0.1:1", database: "x", queries: { bad: { query: "db.orders.deleteMany({})" } } });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error!.issues)).toMatch(/queries.*bad.*query|deleteMany/);
  });
  it("demo(): starts the sandbox from the data the world hands it", async () => {
    const provided = new Map<string, unknown>([["mongodb.shop", mongoShopSeed()]]);
    const world = { get: (k: string) => provided.get(k) } as never;
    const demo = await mongodbPlugin.demo!({ dataDir: "/tmp", log: pino({ level: "silent" }), world });
    try {
      const cfg = mongodbPlugin.config.parse(demo.config);
      const client = new MongoClient(cfg.uri);
      expect(await client.db(cfg.database).collection("couponreservations").countDocuments({ status: "reserved", expiresAt: { $lt: new Date() } })).toBe(3);
      await client.close();
    } finally {
      await demo.stop();
    }
  });
});
