// The cost of the MongoDB probe path, measured against the wire-protocol sandbox seeded with the
// demo shop (the same server both sides talk to, through the official driver).
//
// mongo_query_overhead_ms_p95  p95 over 300 pairs of (the configured probe's read − the bare
//                              driver call it makes): the probe parses the mongosh text again
//                              (so `new Date()` is now), runs countDocuments with maxTimeMS and
//                              shapes the reading. Goal ≤ 5 ms.
// mongo_query_overhead_ms_p50  the same, median.
// mongo_probe_ms_p95 / mongo_bare_query_ms_p95  the two sides, for context.
// mongo_parse_ms_p95           the parser alone on seed 001's longest query, for context.
import { MongoClient } from "mongodb";
import pino from "pino";
import { mongoShopSeed, MONGO_STORY } from "../demo/shop/mongo";
import mongodbPlugin from "../plugins/mongodb";
import { demoConfig } from "../plugins/mongodb/demo-config";
import { parseMongoQuery } from "../plugins/mongodb/query-parse";
import { startMongoSandbox } from "../plugins/mongodb/sandbox";

const PAIRS = 300;
const WARMUP = 30;

function pct(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]!;
}
const round = (n: number) => Math.round(n * 100) / 100;

export async function run(): Promise<Record<string, number>> {
  const seed = mongoShopSeed();
  const sandbox = await startMongoSandbox(seed);
  const log = pino({ level: "silent" });
  const config = mongodbPlugin.config.parse(demoConfig(sandbox.uri, seed.database));
  const instance = await mongodbPlugin.setup({ config, log, deps: {}, demo: false, dataDir: "/tmp" });
  const bareClient = new MongoClient(sandbox.uri, { readPreference: config.readPreference });
  try {
    const probe = instance.probes!.find((p) => p.id === "paid-unconfirmed")!;
    const orders = bareClient.db(seed.database).collection("orders");
    const ctx = { signal: new AbortController().signal, log, now: () => new Date() };
    const expected = MONGO_STORY.paidUnconfirmed.length;
    const bare = async () => {
      const t = performance.now();
      const n = await orders.countDocuments({ status: "paid", "webhook.processedAt": null }, { maxTimeMS: config.maxTimeMS });
      if (n !== expected) throw new Error(`unexpected count ${n}`);
      return performance.now() - t;
    };
    const viaProbe = async () => {
      const t = performance.now();
      const reading = await probe.read(ctx);
      if (reading.value !== expected) throw new Error(`unexpected reading ${reading.value}`);
      return performance.now() - t;
    };
    for (let i = 0; i < WARMUP; i++) {
      await bare();
      await viaProbe();
    }
    const diffs: number[] = [];
    const probes: number[] = [];
    const bares: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const b = await bare();
      const p = await viaProbe();
      bares.push(b);
      probes.push(p);
      diffs.push(p - b);
    }
    const longest = `db.stripewebhookevents.find({ status: { $ne: "processed" }, createdAt: { $lt: new Date(Date.now() - 10 * 60 * 1000) } })`;
    const parses: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = performance.now();
      parseMongoQuery(longest);
      parses.push(performance.now() - t);
    }
    return {
      mongo_query_overhead_ms_p95: round(pct(diffs, 0.95)),
      mongo_query_overhead_ms_p50: round(pct(diffs, 0.5)),
      mongo_probe_ms_p95: round(pct(probes, 0.95)),
      mongo_bare_query_ms_p95: round(pct(bares, 0.95)),
      mongo_parse_ms_p95: round(pct(parses, 0.95)),
    };
  } finally {
    await bareClient.close();
    await instance.stop?.();
    await sandbox.stop();
  }
}
