import { definePlugin, provide, type ActionDefinition, type ProbeDefinition } from "../plugin-api";
import { mongodbDoctor } from "./doctor";
import { ordersRef } from "../orders-api";
import { mongoQueryRef } from "./api";
import { fixDocument } from "./actions/fix-document";
import { killOp } from "./actions/kill-op";
import { queryAction } from "./actions/query";
import { createMongo } from "./client.server";
import { MongoConfigSchema, type MongoConfig } from "./config";
import { createOrdersLedger } from "./ledger";
import { queryProbe } from "./probes/query-probe";
import { connectionsInUse, pingLatency, replicationLag, slowOperationsProbe } from "./probes/server-health";
import { MongoQueryError, parseMongoQuery, sameMongoQuery } from "./query-parse";
import { startMongoSandbox, type MongoSandboxOptions } from "./sandbox";
import { demoConfig } from "./demo-config";

/** What the demo world hands the sandbox ("mongodb.shop"): a database and its documents. */
interface ShopSeed extends MongoSandboxOptions {
  database: string;
}

export default definePlugin<MongoConfig>({
  id: "mongodb",
  title: "MongoDB",
  description: "mongosh-style order-health queries run read-only (parsed, never evaluated), server health and slow operations, single-document fixes with a precondition.",
  config: MongoConfigSchema,
  doctor: mongodbDoctor,
  provides: [ordersRef, mongoQueryRef],
  async demo({ log, world }) {
    const seed = world?.get<ShopSeed>("mongodb.shop");
    if (!seed) log.warn({}, "mongodb demo: the world handed no shop data; the sandbox starts empty");
    const sandbox = await startMongoSandbox(seed ?? {});
    const database = seed?.database ?? "shop";
    world?.get<{ add(entry: object): void }>("sandboxes")?.add({
      id: "mongodb",
      title: "MongoDB wire-protocol sandbox (mingo)",
      baseUrl: sandbox.uri,
      credentials: [{ label: "Connection string", value: sandbox.uri }],
      examples: [`node -e "new (require('mongodb').MongoClient)('${sandbox.uri}').db('${database}').collection('orders').countDocuments({status:'paid','webhook.processedAt':null}).then(n=>{console.log(n);process.exit(0)})"`],
      notes: "A sandbox, not mongod: in-memory documents with mingo's query semantics; no auth, TLS, transactions, indexes or persistence.",
    });
    log.info({ uri: sandbox.uri, database }, "mongodb demo: wire-protocol sandbox seeded with the shop's order-health collections");
    return { config: demoConfig(sandbox.uri, database), stop: sandbox.stop };
  },
  setup({ config }) {
    let mongo: ReturnType<typeof createMongo>;
    try {
      mongo = createMongo(config);
    } catch (err) {
      throw new Error(`plugins.mongodb.${(err as Error).message}`);
    }
    const { db } = mongo;
    const read = { maxRows: config.maxRows, maxTimeMS: config.maxTimeMS };
    const h = config.health;
    const probes: ProbeDefinition[] = [
      ...Object.entries(config.queries).map(([name, q]) => queryProbe(name, q, db, read)),
      pingLatency(db, h.pingMs),
      connectionsInUse(db, h.connections),
      replicationLag(db, h.replicationLagSeconds),
      slowOperationsProbe(db, h.slowOperationSeconds, h.slowOperations),
    ];
    const actions: ActionDefinition[] = [queryAction(db, { ...read, database: config.database }), killOp(db, h.slowOperationSeconds)];
    if (Object.keys(config.fixes).length) actions.push(fixDocument(db, config.fixes));
    const provides: Record<string, unknown> = {
      // Live blocks: the parser's verdict on a runbook's query (never run here), and the limits.
      ...provide(mongoQueryRef, {
        pluginId: "mongodb",
        check(query: string) {
          try {
            parseMongoQuery(query);
            return null;
          } catch (err) {
            return err instanceof MongoQueryError ? err.message : String(err);
          }
        },
        describe: () => ({ maxTimeMS: config.maxTimeMS, maxRows: config.maxRows }),
        queryOf: (localId: string) => config.queries[localId]?.query,
        sameQuery: sameMongoQuery,
      }),
    };
    if (config.orders) {
      const ledger = createOrdersLedger(db, config.orders, { maxTimeMS: config.maxTimeMS, fixable: config.fixes[config.orders.collection]?.fields ?? [] });
      Object.assign(provides, provide(ordersRef, ledger));
    }
    return { probes, actions, provides, stop: () => mongo.close() };
  },
});
