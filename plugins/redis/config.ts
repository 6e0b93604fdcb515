import { z } from "zod";
import { DurationSchema, parseDuration, secret } from "../plugin-api";

/** The portal's threshold syntax (`> 5`, `>= 2 for 10m`), checked here so a typo names its config key. */
const ThresholdSchema = z
  .string()
  .regex(/^\s*(>=|<=|==|!=|>|<)\s*-?\d+(\.\d+)?(\s+for\s+\d+(\.\d+)?\s*(ms|s|m|h|d))?\s*$/, 'must be a threshold such as "> 1000" or ">= 1 for 10m"');

const ThresholdsSchema = z
  .object({
    warn: ThresholdSchema.optional().describe('When the figure warns, e.g. "> 1000" or ">= 1 for 10m".'),
    critical: ThresholdSchema.optional().describe('When the figure is critical, e.g. "> 0".'),
  })
  .strict();

export const RedisUrlSchema = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "redis:" || u.protocol === "rediss:") && !!u.hostname;
    } catch {
      return false;
    }
  }, "must be a redis:// or rediss:// (TLS) URL, e.g. rediss://default:<password>@eu1-xyz.upstash.io:6379");

export const KeyPatternSchema = z
  .object({
    pattern: z
      .string()
      .min(1)
      .max(200)
      .refine((p) => p.replace(/[*?]/g, "").length > 0 || p === "*", "must name something besides wildcards")
      .describe("Redis glob, as SCAN MATCH takes it, e.g. rate_limit:*."),
    ttl: z
      .object({
        min: DurationSchema.optional().describe("Shortest expected TTL, e.g. 1s."),
        max: DurationSchema.optional().describe("Longest expected TTL, e.g. 24h."),
      })
      .strict()
      .refine((t) => !t.min || !t.max || parseDuration(t.min) <= parseDuration(t.max), "ttl.min must not exceed ttl.max")
      .optional()
      .describe("The TTL range keys of this family are expected to carry; keys without a TTL, or outside it, are then reported by redis.ttl-<name>."),
    count: ThresholdsSchema.optional().describe("Thresholds on the number of matching keys."),
    withoutTtl: ThresholdsSchema.optional().describe("Thresholds on keys without a TTL (only with ttl); default critical above 0."),
    description: z.string().max(300).optional().describe("One sentence saying what the keys are for, shown on the probes."),
  })
  .strict();

export const RedisConfigSchema = z
  .object({
    url: secret(RedisUrlSchema).describe("redis:// or rediss:// (TLS) URL, e.g. ${REDIS_URL} = rediss://default:<password>@eu1-xyz.upstash.io:6379; secret, as it may carry the password."),
    db: z.number().int().min(0).max(1023).optional().describe("Database number; overrides the one in the URL path."),
    keyPatterns: z
      .record(z.string(), KeyPatternSchema)
      .superRefine((patterns, ctx) => {
        for (const name of Object.keys(patterns)) {
          if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) ctx.addIssue({ code: "custom", path: [name], message: "pattern names are kebab-case (rate-limit, user-tier): they become probe ids" });
        }
      })
      .default({})
      .describe("Watched key families by kebab-case name: each becomes redis.keys-<name> (and redis.ttl-<name> with ttl)."),
    timeouts: z
      .object({
        connect: DurationSchema.default("3s").describe("TCP connect and handshake."),
        command: DurationSchema.default("2s").describe("One command; a hung server fails here instead of queueing forever."),
        scan: DurationSchema.default("3s").describe('Time box of one SCAN walk: past it, counts become "at least N".'),
        probe: DurationSchema.default("8s").describe("Probe read timeout (the portal's)."),
      })
      .strict()
      .default({ connect: "3s", command: "2s", scan: "3s", probe: "8s" })
      .describe("Client-side time limits."),
    scanCount: z.number().int().min(10).max(100_000).default(1000).describe("SCAN's COUNT hint per call."),
    sampleKeys: z.number().int().min(10).max(1_000_000).default(20_000).describe("How many keys one SCAN probe checks for TTL and size (a sample on big keyspaces)."),
    maxDeleteKeys: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(50_000)
      .describe("The most keys one redis.delete-keys run may delete (its preview must fit the portal's 10 s dry-run timeout)."),
    deleteBatch: z.number().int().min(1).max(10_000).default(500).describe("Keys per UNLINK during redis.delete-keys."),
    latency: ThresholdsSchema.default({ warn: "> 50", critical: "> 250" }).describe("Thresholds of redis.ping, in ms."),
    memory: ThresholdsSchema.default({ warn: "> 80", critical: "> 95" }).describe("Thresholds of redis.memory: memory used in % of maxmemory (or of the machine when maxmemory is 0)."),
  })
  .strict();

export type RedisConfig = z.infer<typeof RedisConfigSchema>;
export type KeyPattern = z.infer<typeof KeyPatternSchema>;
