import { z } from "zod";
import { action, ActionInputError, type ActionDefinition } from "../../plugin-api";
import type { RedisClient } from "../client.server";
import type { RedisConfig } from "../config";
import { parseInfo } from "../info";
import { scanKeys } from "../scan";
import { describeKey } from "./key-guard";
import { KeySchema } from "./delete-key";

/** INFO sections worth reading from a runbook; `all`/`everything` and `commandstats` are long and say nothing to an on-call. */
const INFO_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace", "errorstats"] as const;
/** A listing shows this many keys; the count goes on (time-boxed) past it. */
const LIST_SAMPLE = 50;
const LIST_SCAN_MS = 3_000;

const ReadSchema = z.discriminatedUnion("command", [
  z.object({ command: z.literal("PING") }),
  z.object({ command: z.literal("INFO"), section: z.enum(INFO_SECTIONS).default("memory").describe("INFO section, e.g. memory") }),
  z.object({ command: z.literal("GET"), key: KeySchema.describe("Key, e.g. rate_limit:user_123:daily") }),
  z.object({ command: z.literal("TTL"), key: KeySchema.describe("Key, e.g. rate_limit:user_123:daily") }),
  z.object({ command: z.literal("SCAN"), pattern: z.string().min(1).max(200).default("*").describe("Pattern (Redis glob), listed by SCAN, never KEYS") }),
]);
export type RedisRead = z.infer<typeof ReadSchema>;

/**
 * `redis.read`: the reads runbooks write as `redis-cli PING`, `INFO memory`, `GET k`, `TTL k` and
 * `KEYS "p"` — the last as a time-boxed SCAN listing, so a runbook's KEYS never blocks the server.
 * Values are shown as the delete preview shows them (an excerpt, secrets scrubbed).
 */
export function readAction(client: RedisClient, config: RedisConfig): ActionDefinition<RedisRead> {
  return action({
    id: "read",
    title: "Read from Redis",
    description: "PING, INFO <section>, a key's value excerpt (GET) or TTL, or the keys matching a pattern by SCAN (what KEYS would list, without blocking the server). Changes nothing.",
    input: ReadSchema as unknown as z.ZodType<RedisRead>,
    risk: "low",
    target: (i) => ("key" in i ? `${i.command} ${i.key}` : "pattern" in i ? `SCAN ${i.pattern}` : "section" in i ? `INFO ${i.section}` : i.command),
    timeout: "30s",
    async run(input, ctx) {
      const redis = await client.use(ctx.signal);
      try {
        switch (input.command) {
          case "PING": {
            const t0 = Date.now();
            const pong = await redis.ping();
            return { summary: `${client.server} answered ${pong} in ${Date.now() - t0} ms`, data: { kind: "redis", command: "PING", reply: pong } };
          }
          case "INFO": {
            const info = parseInfo(await redis.info(input.section));
            const rows = Object.entries(info).map(([field, value]) => ({ field, value: client.scrub(value) }));
            return { summary: `INFO ${input.section} of ${client.server}: ${rows.length} fields`, rows, data: { kind: "redis", command: "INFO", section: input.section } };
          }
          case "GET":
          case "TTL": {
            const d = await describeKey(redis, input.key);
            if (!d) return { summary: `${input.key} does not exist in ${client.server}`, data: { kind: "redis", command: input.command, exists: false } };
            if (input.command === "TTL") return { summary: `${d.key}: ${d.ttl}`, rows: [{ key: d.key, type: d.type, ttl: d.ttl }], data: { kind: "redis", command: "TTL", exists: true, ttlMs: d.ttlMs } };
            return { summary: `${d.key} (${d.type}, ${d.ttl}${d.size ? `, ${d.size}` : ""})`, rows: [{ key: d.key, type: d.type, ttl: d.ttl, value: d.excerpt }], data: { kind: "redis", command: "GET", exists: true } };
          }
          case "SCAN": {
            const sample: string[] = [];
            const scan = await scanKeys(redis, input.pattern, {
              count: config.scanCount,
              deadline: Date.now() + LIST_SCAN_MS,
              signal: ctx.signal,
              onKeys: (keys) => {
                for (const k of keys) if (sample.length < LIST_SAMPLE) sample.push(k.toString("utf8"));
              },
            });
            const count = `${scan.complete ? "" : "at least "}${scan.seen}`;
            return {
              summary: `${count} key(s) match ${input.pattern} in ${client.server} (SCAN, ${scan.ms} ms)${scan.seen > sample.length ? `; the first ${sample.length} listed` : ""}`,
              rows: sample.sort().map((key) => ({ key })),
              data: { kind: "redis", command: "SCAN", seen: scan.seen, complete: scan.complete },
            };
          }
        }
      } catch (err) {
        if (err instanceof ActionInputError) throw err;
        throw client.explain(err);
      }
    },
  });
}
