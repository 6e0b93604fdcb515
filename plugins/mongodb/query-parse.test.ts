import { Long, ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import { mongoQueryShape, MongoQueryError, parseMongoQuery } from "./query-parse";

const NOW = new Date("2026-03-01T12:00:00Z");
const parse = (q: string) => parseMongoQuery(q, NOW);

describe("parseMongoQuery: the mongosh subset runbooks write", () => {
  it("reads counts with quoted and bare keys, null and nested operators", () => {
    expect(parse(`db.orders.countDocuments({ status: "paid", "webhook.processedAt": null })`)).toEqual({ collection: "orders", method: "countDocuments", filter: { status: "paid", "webhook.processedAt": null } });
    expect(parse(`db.couponreservations.countDocuments({ status: 'reserved', expiresAt: { $lt: new Date() } })`).filter).toEqual({ status: "reserved", expiresAt: { $lt: NOW } });
  });

  it("computes Date.now() arithmetic and ISO dates without running JavaScript", () => {
    const q = parse(`db.stripewebhookevents.find({ status: { $ne: "processed" }, createdAt: { $lt: new Date(Date.now() - 10 * 60 * 1000) } })`);
    expect((q.filter.createdAt as { $lt: Date }).$lt).toEqual(new Date(NOW.getTime() - 600_000));
    expect(parse(`db.x.find({ a: ISODate("2026-01-02T03:04:05Z"), b: new Date("2026-01-02") })`).filter).toEqual({ a: new Date("2026-01-02T03:04:05Z"), b: new Date("2026-01-02") });
    expect(parse(`db.x.find({ a: new Date(Date.now() - (2 + 3) * 1000 / 2) })`).filter.a).toEqual(new Date(NOW.getTime() - 2500));
  });

  it("reads find's cursor methods, ObjectId, NumberLong, regexes, arrays and escapes", () => {
    const q = parse(`db.orders.find({ _id: ObjectId("65f0c0ffee0000000000beef"), n: NumberLong("9007199254740993"), email: /@example\\.com$/i, tags: ["a", 'b\\'c', -1.5e3, true] }).sort({ createdAt: -1 }).limit(20).project({ _id: 1 })`);
    expect(q.limit).toBe(20);
    expect(q.sort).toEqual({ createdAt: -1 });
    expect(q.projection).toEqual({ _id: 1 });
    expect(q.filter._id).toBeInstanceOf(ObjectId);
    expect((q.filter.n as Long).toString()).toBe("9007199254740993");
    expect((q.filter.email as RegExp).test("A@EXAMPLE.COM")).toBe(true);
    expect(q.filter.tags).toEqual(["a", "b'c", -1500, true]);
  });

  it("reads aggregate, distinct, estimatedDocumentCount, findOne and getCollection", () => {
    expect(parse(`db.orders.aggregate([{ $match: { status: "paid" } }, { $group: { _id: "$status", n: { $sum: 1 } } }])`).pipeline).toHaveLength(2);
    expect(parse(`db.orders.distinct("status", { amount: { $gt: 0 } })`)).toMatchObject({ method: "distinct", key: "status" });
    expect(parse(`db.orders.estimatedDocumentCount()`).method).toBe("estimatedDocumentCount");
    expect(parse(`db.orders.findOne({ _id: "wx-1031" })`)).toMatchObject({ method: "findOne", limit: 1 });
    expect(parse(`db.getCollection("order-events").find({}).count();`)).toMatchObject({ collection: "order-events", method: "countDocuments" });
  });

  it("offers a shape test for live blocks", () => {
    expect(mongoQueryShape(`db.orders.find({ "invoice.status": "failed" }).limit(20)`)).toBe(true);
    expect(mongoQueryShape(`db.orders is where we keep them (see docs)`)).toBe(false);
    expect(mongoQueryShape(`histogram_quantile(0.95, sum(rate(x[5m])) by (le))`)).toBe(false);
  });
});

const deep = (n: number, open: string, close: string, inner = "1") => open.repeat(n) + inner + close.repeat(n);

/** Each is refused before anything runs; the expected word appears in the refusal. */
const HOSTILE: [string, RegExp][] = [
  [`db.orders.find({ $where: "this.amount > 0" })`, /\$where/],
  [`db.orders.find({ $where: function() { return true } })`, /\$where/],
  [`db.orders.find({ a: function() { return 1 } })`, /function/],
  [`db.orders.find({ a: () => 1 })`, /arrow|function|expected/],
  [`db.orders.find(this.constructor)`, /this/],
  [`db.orders.find({ "__proto__": { polluted: true } })`, /__proto__/],
  [`db.orders.find({ __proto__: { polluted: true } })`, /__proto__/],
  [`db.orders.find({ constructor: { prototype: 1 } })`, /constructor/],
  [`db.orders.find({ a: { prototype: 1 } })`, /prototype/],
  [`db.orders.aggregate([{ $out: "stolen" }])`, /\$out/],
  [`db.orders.aggregate([{ $merge: { into: "x" } }])`, /\$merge/],
  [`db.orders.aggregate([{ $group: { _id: 1, x: { $accumulator: { init: "function(){}" } } } }])`, /\$accumulator/],
  [`db.orders.find({ $expr: { $function: { body: "return 1", args: [], lang: "js" } } })`, /\$function/],
  [`db.orders.insertOne({ a: 1 })`, /write/],
  [`db.orders.insertMany([{ a: 1 }])`, /write/],
  [`db.orders.updateOne({}, { $set: { a: 1 } })`, /write/],
  [`db.orders.updateMany({}, { $set: { a: 1 } })`, /write/],
  [`db.orders.deleteMany({})`, /write/],
  [`db.orders.deleteOne({})`, /write/],
  [`db.orders.replaceOne({}, {})`, /write/],
  [`db.orders.drop()`, /write/],
  [`db.orders.bulkWrite([])`, /write/],
  [`db.orders.findAndModify({ query: {}, update: {} })`, /write/],
  [`db.orders.findOneAndUpdate({}, { $set: { a: 1 } })`, /write/],
  [`db.orders.findOneAndDelete({})`, /write/],
  [`db.orders.createIndex({ a: 1 })`, /write/],
  [`db.orders.find({}).forEach(printjson)`, /forEach/],
  [`db.dropDatabase()`, /dropDatabase/],
  [`db.runCommand({ drop: "orders" })`, /runCommand/],
  [`db.getSiblingDB("admin").system.users.find()`, /getSiblingDB/],
  [`db.system.users.find({})`, /system/],
  [`db.orders.find({ a: eval("1") })`, /eval/],
  [`db.orders.find({ a: require("fs") })`, /require/],
  [`db.orders.find({ a: process.env })`, /process/],
  [`db.orders.find({ a: \`template\` })`, /template/],
  [`db.orders.find({ a: new Function("return 1") })`, /new Function/],
  [`db.orders.find({ a: Math.random() })`, /Math/],
  [`db.orders.find({ a: Date.parse("2020") })`, /Date\.parse/],
  [`db.orders.find({ a: unknownHelper() })`, /unknownHelper/],
  [`db.orders.find({ a: 1 }); db.orders.drop()`, /after the query/],
  [`show collections`, /show/],
  [`use admin`, /use/],
  [`db.orders.find(${deep(10_000, "{a:", "}")})`, /longer than|deeper/],
  [`db.orders.find(${deep(5_000, "[", "]")})`, /deeper|tokens/],
  [`db.orders.find({a:${deep(1_000, "(", ")")}})`, /deeper/],
  [`db.orders.find({a:${"-".repeat(1000)}1})`, /deeper/],
  [`db.orders.find({ a: "${"x".repeat(1_000_000)}" })`, /longer than/],
  [`db.orders.find({ a: "${"x".repeat(5_000)}" })`, /string longer/],
  [`db.orders.find({ a: 1e400 })`, /number/],
  [`db.orders.find({ a: 99999999999999999999999 })`, /number/],
  [`db.orders.find({ a: 1e15 * 1e15 })`, /beyond/],
  [`db.orders.find({ a: 0x41 })`, /decimal/],
  [`db.orders.find({ a: NumberLong("99999999999999999999") })`, /NumberLong/],
  [`db.orders.find({ a: 1 / 0 })`, /division/],
  [`db.orders.find({ a: new Date("tomorrow") })`, /ISO date/],
  [`db.orders.find({ a: /(a+)+$/gy })`, /flags/],
  [`db.orders.find({ a: /${"a".repeat(600)}/ })`, /regular expression longer/],
  [`db.orders.find({ a: ObjectId("nothex") })`, /ObjectId/],
  [`db.orders.find({ a: 1 // comment\n })`, /comment/],
  [`db.orders.find({ a: "unterminated })`, /unterminated/],
  [`db.orders.find({ a: "\\q" })`, /escape/],
  [`db.orders.find({ a: 1, a: 2 })`, /twice/],
  [`db.orders.find({ a: 1 }).limit(-1)`, /whole number/],
  [`db.orders.countDocuments({}).limit(1)`, /follows find/],
  [`db.orders.find({ toString() { return 1 } })`, /methods in objects|function/],
  [`db['__proto__'].find({})`, /collection name|__proto__/],
  [`db.orders.find({ a: globalThis })`, /globalThis/],
  [``, /empty/],
];

describe("parseMongoQuery refuses the hostile corpus, naming the construct", () => {
  it("holds at least forty inputs", () => expect(HOSTILE.length).toBeGreaterThanOrEqual(40));
  it.each(HOSTILE.map(([q, re], i) => [i, q.length > 120 ? `${q.slice(0, 100)}… (${q.length} chars)` : q, q, re] as const))("#%i refuses %s", (_i, _label, q, re) => {
    let thrown: unknown;
    try {
      parse(q);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MongoQueryError);
    expect((thrown as Error).message).toMatch(re);
    expect((thrown as MongoQueryError).construct.length).toBeGreaterThan(0);
  });
  it("never pollutes Object.prototype", () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
