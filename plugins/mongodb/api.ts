// The mongodb plugin's public contract: the services it offers other plugins and the core, with
// their shapes. No side effects and no SDKs: consumers import it as a contract only.
import { createServiceRef } from "../plugin-api";

/** Runbook live blocks: the parser's verdict on a query (null: runnable; never run here) and the limits. */
export interface MongoQueryService {
  pluginId: string;
  check(query: string): string | null;
  describe(): { maxTimeMS: number; maxRows: number };
  /** The query behind one of the plugin's configured probes, by local id. */
  queryOf(localId: string): string | undefined;
  /** True when two texts ask the same (quotes, spacing and bare or quoted keys aside). */
  sameQuery(a: string, b: string): boolean;
}

export const mongoQueryRef = createServiceRef<MongoQueryService>({ id: "mongodb.query" });
