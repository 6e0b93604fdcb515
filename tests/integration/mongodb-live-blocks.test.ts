import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mongoShopSeed } from "../../demo/shop/mongo";
import mongodbPlugin from "../../plugins/mongodb";
import { demoConfig } from "../../plugins/mongodb/demo-config";
import { startMongoSandbox, WRITE_COMMANDS, type MongoSandbox } from "../../plugins/mongodb/sandbox";
import { submitAction } from "~/core/actions/pipeline.server";
import { createOrUpdateUser, type User } from "~/core/auth.server";
import { resolveLiveBlocks } from "~/core/runbooks/live-blocks.server";
import { renderRunbook } from "~/core/runbooks/render.server";
import { suggestForText } from "~/core/runbooks/suggest.server";
import { settleRun, testPortal } from "../helpers/portal";
import { answerOf } from "../helpers/answer";

// Runbooks as they are: seed 001's Mongo queries (list items, "Query (Mongo): …"), ```js and
// ```mongodb fences and inline code become "Run read-only" blocks through mongodb.query.
const SEEDS = process.env.OPSDECK_SEEDS_DIR ?? path.resolve(__dirname, "../..", "../shared/seeds");
const seed001 = fs.existsSync(SEEDS) ? fs.readdirSync(SEEDS).find((f) => f.startsWith("001_")) : undefined;

const responder: User = { id: "u_resp", username: "resp", displayName: null, roles: ["responder"], via: "session" };

const RUNBOOK = [
  "# Orders in Mongo",
  "",
  "```js",
  `db.orders.countDocuments({ status: "paid", "webhook.processedAt": null })`,
  "```",
  "",
  "```mongodb",
  `db.couponreservations.find({ status: "reserved", expiresAt: { $lt: new Date() } }).sort({ expiresAt: 1 })`,
  "```",
  "",
  "Or inline: `db.orders.countDocuments({ \"invoice.status\": \"failed\" })`.",
  "",
  "```javascript",
  "const total = orders.reduce((a, b) => a + b.amount, 0)",
  "```",
  "",
  "```js",
  "db.orders.deleteMany({ status: \"paid\" })",
  "```",
  "",
].join("\n");

describe("MongoDB live blocks", () => {
  let sandbox: MongoSandbox;
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    const seed = mongoShopSeed();
    sandbox = await startMongoSandbox(seed);
    t = await testPortal({ config: { plugins: { mongodb: demoConfig(sandbox.uri, seed.database) } }, plugins: [mongodbPlugin] });
    await createOrUpdateUser(t.portal.store, { username: responder.username, password: "test-password-123", roles: ["responder"] });
  });
  afterAll(async () => {
    await t?.cleanup();
    await sandbox?.stop();
  });

  it("offers fences and inline code that parse; plain JavaScript gets nothing; a write is refused with the parser's words", async () => {
    const rendered = renderRunbook(RUNBOOK, { file: "mongo.md" });
    const v = await resolveLiveBlocks(rendered.live, t.portal.registry);
    const mongo = v.blocks.filter((b) => b.kind === "mongo");
    expect(mongo.map((b) => b.at)).toEqual(["pre", "pre", "code"]);
    expect(v.refused.map((r) => r.error)).toEqual([expect.stringMatching(/deleteMany\(\) writes/)]);
    expect(v.mongo).toMatchObject({ available: true, maxTimeMS: 5000, maxRows: 200 });
    for (const b of mongo) {
      const res = await answerOf(submitAction(t.portal, responder, "mongodb.query", { input: { query: b.query }, idempotencyKey: crypto.randomUUID() }));
      expect(res.status).toBe(202);
      expect((await settleRun(t.portal, String(res.body.runId))).status).toBe("succeeded");
    }
  });

  it.runIf(!!seed001)("makes seed 001's eight Mongo queries live, as written, and runs each read-only", async () => {
    const text = fs.readFileSync(path.join(SEEDS, seed001!), "utf8");
    const before = sandbox.commands.length;
    const v = await resolveLiveBlocks(renderRunbook(text, { file: seed001! }).live, t.portal.registry);
    const mongo = v.blocks.filter((b) => b.kind === "mongo");
    expect(mongo).toHaveLength(8);
    expect(mongo.every((b) => b.at === "li")).toBe(true);
    expect(sandbox.commands.length).toBe(before); // offering a block runs nothing
    for (const b of mongo) {
      const res = await answerOf(submitAction(t.portal, responder, "mongodb.query", { input: { query: b.query }, idempotencyKey: crypto.randomUUID() }));
      const run = await settleRun(t.portal, String(res.body.runId));
      expect(run.status, b.query).toBe("succeeded");
      expect((run.result as { data: { count: number } }).data.count, b.query).toBeGreaterThan(0);
    }
    expect(sandbox.commands.filter((c) => WRITE_COMMANDS.has(c.name))).toEqual([]);
  });

  it("the order-health-mongo runbook's queries are all live and each runs", async () => {
    const text = fs.readFileSync(path.resolve(__dirname, "../../runbooks/examples/order-health-mongo.md"), "utf8");
    const v = await resolveLiveBlocks(renderRunbook(text, { file: "order-health-mongo.md" }).live, t.portal.registry);
    expect(v.refused).toEqual([]);
    const mongo = v.blocks.filter((b) => b.kind === "mongo");
    expect(mongo.map((b) => b.at)).toEqual(["pre", "li", "pre", "code", "pre"]);
    for (const b of mongo) {
      const res = await answerOf(submitAction(t.portal, responder, "mongodb.query", { input: { query: b.query }, idempotencyKey: crypto.randomUUID() }));
      const run = await settleRun(t.portal, String(res.body.runId));
      expect(run.status, b.query).toBe("succeeded");
      expect((run.result as { data: { count: number } }).data.count, b.query).toBeGreaterThan(0);
    }
  });

  it.runIf(!!seed001)("lint --suggest proposes the configured probe for a query it matches", async () => {
    const text = fs.readFileSync(path.join(SEEDS, seed001!), "utf8");
    const suggestions = (await suggestForText(text, seed001!, t.portal.registry)).filter((s) => s.kind === "mongo");
    const directives = suggestions.map((s) => s.directive);
    expect(directives).toContain('::status{probe="mongodb.paid-unconfirmed"}');
    expect(directives).toContain('::status{probe="mongodb.coupon-leaks"}');
    expect(directives).toContain('::status{probe="mongodb.stuck-paid"}');
    expect(directives).toContain('::status{probe="mongodb.webhooks-unfinished"}');
  });
});
