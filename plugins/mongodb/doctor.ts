import { doctorCheck, doctorMessage, type DoctorCheck, type DoctorContext } from "../plugin-api";
import { createMongo } from "./client.server";
import type { MongoConfig } from "./config";
import { parseMongoQuery } from "./query-parse";

const UNAUTHORIZED = 13;
const AUTH_FAILED = 18;

function mongoFix(config: MongoConfig, collection?: string) {
  return (err: unknown): string => {
    const code = (err as { code?: number }).code;
    if (code === AUTH_FAILED || /authentication failed/i.test(doctorMessage(err))) return "the user or password in plugins.mongodb.uri is refused: set the current one (Atlas → Database Access), e.g. MONGODB_URI=mongodb+srv://<user>:<password>@<cluster>.mongodb.net";
    if (code === UNAUTHORIZED) {
      return `grant the user read on ${config.database}${collection ? ` (find on ${collection})` : ""}: db.getSiblingDB("admin").grantRolesToUser("<user>", [{ role: "read", db: "${config.database}" }]) (Atlas: the built-in role "read" on ${config.database})`;
    }
    return "make the server in plugins.mongodb.uri reachable from the portal (Atlas: add the portal's address to the IP access list; the port, TLS), or correct the URI";
  };
}

/** `ping`, then a count on each configured query's collection (the read the probes need), a refused read named with its role. */
export async function mongodbDoctor({ config }: DoctorContext<MongoConfig>): Promise<DoctorCheck[]> {
  const mongo = createMongo(config);
  try {
    const ping = await doctorCheck("ping", mongoFix(config), async () => {
      const t = performance.now();
      await mongo.db.command({ ping: 1 });
      const hosts = mongo.client.options.hosts.map((h) => h.toString()).join(", ");
      return `answered in ${Math.round(performance.now() - t)} ms from ${hosts}`;
    });
    if (!ping.ok) return [ping];
    const collections = [...new Set([...Object.values(config.queries).map((q) => parseMongoQuery(q.query).collection), ...(config.orders ? [config.orders.collection] : [])])];
    const checks = [ping];
    for (const c of collections) {
      checks.push(
        await doctorCheck(`count ${config.database}.${c}`, mongoFix(config, c), async () => {
          const n = await mongo.db.collection(c).estimatedDocumentCount({ maxTimeMS: config.maxTimeMS });
          return `${n} document(s)`;
        }),
      );
    }
    return checks;
  } finally {
    await mongo.close().catch(() => {});
  }
}
