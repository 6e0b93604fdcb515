import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExportedDocument } from "./api";
import { createFirestoreClient, FieldValue, GeoPoint, Timestamp, type FirestoreClient } from "./client.server";
import { decodeFields, encodeFields } from "./codec";
import { createCollections } from "./collections";
import { startFirestoreSandbox, type FirestoreSandbox } from "./sandbox";

let sandbox: FirestoreSandbox;
let client: FirestoreClient;
let collections: ReturnType<typeof createCollections>;
beforeAll(async () => {
  sandbox = await startFirestoreSandbox({ projectId: "codec-test" });
  client = createFirestoreClient({ projectId: sandbox.projectId, emulatorHost: sandbox.host }, { useBigInt: true });
  collections = createCollections({ projectId: sandbox.projectId, emulatorHost: sandbox.host });
});
afterAll(async () => {
  await collections?.close();
  await client?.close();
  await sandbox?.stop();
});

async function all(it: AsyncIterable<ExportedDocument>) {
  const out: ExportedDocument[] = [];
  for await (const d of it) out.push(d);
  return out;
}

describe("firestore.collections", () => {
  it("round-trips Firestore types through tagged JSON", async () => {
    const ref = client.db.doc("things/b");
    const original = {
      int: 42n,
      double: 1.5,
      nan: NaN,
      text: "hello",
      nothing: null,
      yes: true,
      at: new Timestamp(1_700_000_000, 123_456_789),
      geo: new GeoPoint(52.5, 13.4),
      ref,
      bytes: Buffer.from([0, 1, 254, 255]),
      list: [1n, "two", { three: [3.25] }, null],
      nested: { a: { b: { c: 7n } }, $tricky: "x" },
      onlyDollar: { $int: "not a tag" },
      vector: FieldValue.vector([0.5, 1.5]),
    };
    await client.db.doc("things/a").set(original);
    await client.db.doc("things/b").set({ n: 1n });
    const exported = await all(collections.documents("things"));
    expect(exported.map((d) => d.id)).toEqual(["a", "b"]);
    const line = JSON.parse(JSON.stringify(exported[0]));
    expect(line.fields.int).toEqual({ $int: "42" });
    expect(line.fields.double).toBe(1.5);
    expect(line.fields.at).toEqual({ $timestamp: "1700000000.123456789" });

    await client.db.doc("things/a").delete();
    await client.db.doc("things/z").set({ stray: true });
    const r = await collections.replace("things", (async function* () {
      yield* [line, JSON.parse(JSON.stringify(exported[1]))];
    })());
    expect(r).toEqual({ written: 2, deleted: 1 });
    const back = (await client.db.doc("things/a").get()).data()!;
    expect(back.int).toBe(42n);
    expect(back.double).toBe(1.5);
    expect(Number.isNaN(back.nan)).toBe(true);
    expect(back.nothing).toBeNull();
    expect((back.at as Timestamp).isEqual(original.at)).toBe(true);
    expect((back.geo as GeoPoint).isEqual(original.geo)).toBe(true);
    expect(back.ref.path).toBe("things/b");
    expect(Buffer.from(back.bytes).equals(original.bytes)).toBe(true);
    expect(back.list).toEqual([1n, "two", { three: [3.25] }, null]);
    expect(back.nested).toEqual({ a: { b: { c: 7n } }, $tricky: "x" });
    expect(back.onlyDollar).toEqual({ $int: "not a tag" });
    expect(back.vector.toArray()).toEqual([0.5, 1.5]);
    expect(await collections.count("things")).toBe(2);
  });

  it("encodes what this emulator cannot store exactly (64-bit integers, -0, ±Infinity) and decodes it back", () => {
    const tagged = encodeFields({ big: 9_007_199_254_740_993n, negZero: -0, inf: -Infinity, map: { $int: "x" } });
    expect(JSON.parse(JSON.stringify(tagged))).toEqual({ big: { $int: "9007199254740993" }, negZero: { $double: "-0" }, inf: { $double: "-Infinity" }, map: { $map: { $int: "x" } } });
    const back = decodeFields(JSON.parse(JSON.stringify(tagged)), client.db);
    expect(back.big).toBe(9_007_199_254_740_993n);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(back.inf).toBe(-Infinity);
    expect(back.map).toEqual({ $int: "x" });
  });

  it("streams a collection of 650 documents", async () => {
    const b = client.db.batch();
    for (let i = 0; i < 650; i++) b.set(client.db.doc(`many/d${String(i).padStart(4, "0")}`), { i: BigInt(i) });
    await b.commit();
    const docs = await all(collections.documents("many"));
    expect(docs).toHaveLength(650);
    expect(new Set(docs.map((d) => d.id)).size).toBe(650);
    expect(await collections.count("many")).toBe(650);
  });

  it("restores into a scratch project on the same emulator, apart from the source", async () => {
    const scratch = await collections.scratch();
    expect(scratch.projectId).not.toBe(sandbox.projectId);
    await scratch.replace("many", collections.documents("many"));
    expect(await scratch.count("many")).toBe(650);
    expect(await scratch.count("things")).toBe(0);
    await scratch.dispose();
    expect(await collections.count("many")).toBe(650);
  });
});
