import { Long, ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import { HOSTILE } from "./hostile-corpus";
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
