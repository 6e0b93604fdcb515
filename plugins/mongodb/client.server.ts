// The only file that holds the driver and the connection string.
import { MongoClient, type Db } from "mongodb";
import type { MongoConfig } from "./config";

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

export function createMongo(config: Pick<MongoConfig, "uri" | "database" | "readPreference">): MongoHandle {
  let client: MongoClient;
  try {
    client = new MongoClient(config.uri, {
      readPreference: config.readPreference,
      appName: "opsdeck",
      serverSelectionTimeoutMS: 5000,
      connectTimeoutMS: 5000,
      maxPoolSize: 10,
      retryWrites: false,
    });
  } catch (err) {
    // The driver's message may quote the URI: name the key, never the value.
    throw new Error(`uri: not a usable MongoDB connection string (${(err as Error).name})`);
  }
  return { client, db: client.db(config.database), close: () => client.close() };
}
