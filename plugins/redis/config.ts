import { z } from "zod";
import { DurationSchema, parseDuration, secret } from "../plugin-api";

/** The portal's threshold syntax (`> 5`, `>= 2 for 10m`), checked here so a typo names its config key. */
const ThresholdSchema = z
  .string()
  .regex(/^\s*(>=|<=|==|!=|>|<)\s*-?\d+(\.\d+)?(\s+for\s+\d+(\.\d+)?\s*(ms|s|m|h|d))?\s*$/, 'must be a threshold such as "> 1000" or ">= 1 for 10m"');

const ThresholdsSchema = z.object({ warn: ThresholdSchema.optional(), critical: ThresholdSchema.optional() }).strict();

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
    /** Redis glob, as SCAN MATCH takes it: `rate_limit:*`. */
    pattern: z
      .string()
      .min(1)
      .max(200)
      .refine((p) => p.replace(/[*?]/g, "").length > 0 || p === "*", "must name something besides wildcards"),
    /** The TTL range keys of this pattern are expected to carry; a key without TTL is then reported. */
    ttl: z
      .object({ min: DurationSchema.optional(), max: DurationSchema.optional() })
      .strict()
      .refine((t) => !t.min || !t.max || parseDuration(t.min) <= parseDuration(t.max), "ttl.min must not exceed ttl.max")
      .optional(),
    /** Thresholds on the number of matching keys. */
    count: ThresholdsSchema.optional(),
    /** Thresholds on keys without a TTL (only with `ttl`); default critical above 0. */
    withoutTtl: ThresholdsSchema.optional(),
    description: z.string().max(300).optional(),
  })
  .strict();

export const RedisConfigSchema = z
  .object({
    /** Secret: it may carry a password (`redis://default:<password>@host:6379`). */
    url: secret(RedisUrlSchema),
    /** Database number; overrides the one in the URL path. */
    db: z.number().int().min(0).max(1023).optional(),
    /** Watched key families by name: each becomes `redis.keys-<name>` (and `redis.ttl-<name>` with `ttl`). */
    keyPatterns: z
      .record(z.string(), KeyPatternSchema)
      .superRefine((patterns, ctx) => {
        for (const name of Object.keys(patterns)) {
          if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) ctx.addIssue({ code: "custom", path: [name], message: "pattern names are kebab-case (rate-limit, user-tier): they become probe ids" });
        }
      })
      .default({}),
    timeouts: z
      .object({
        /** TCP connect and handshake. */
        connect: DurationSchema.default("3s"),
        /** One command; a hung server fails here instead of queueing forever. */
        command: DurationSchema.default("2s"),
        /** Time box of one SCAN walk: past it, counts become "at least N". */
        scan: DurationSchema.default("3s"),
        /** Probe read timeout (the portal's). */
        probe: DurationSchema.default("8s"),
      })
      .strict()
      .default({ connect: "3s", command: "2s", scan: "3s", probe: "8s" }),
    /** SCAN's COUNT hint per call. */
    scanCount: z.number().int().min(10).max(100_000).default(1000),
    /** How many keys one SCAN probe checks for TTL and size (a sample on big keyspaces). */
    sampleKeys: z.number().int().min(10).max(1_000_000).default(20_000),
    /** The most keys one `redis.delete-keys` run may delete. */
    maxDeleteKeys: z.number().int().min(1).max(1_000_000).default(50_000),
    /** Keys per UNLINK during `redis.delete-keys`. */
    deleteBatch: z.number().int().min(1).max(10_000).default(500),
    /** Ping latency thresholds in ms. */
    latency: ThresholdsSchema.default({ warn: "> 50", critical: "> 250" }),
    /** Memory used, in % of maxmemory (or of the machine when maxmemory is 0). */
    memory: ThresholdsSchema.default({ warn: "> 80", critical: "> 95" }),
  })
  .strict();

export type RedisConfig = z.infer<typeof RedisConfigSchema>;
export type KeyPattern = z.infer<typeof KeyPatternSchema>;
