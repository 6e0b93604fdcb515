import { definePlugin, type ProbeDefinition } from "../plugin-api";
import { redisDoctor } from "./doctor";
import { deleteKeyAction } from "./actions/delete-key";
import { deleteKeysAction } from "./actions/delete-keys";
import { readAction } from "./actions/read";
import { setTtlAction } from "./actions/set-ttl";
import { createRedisClient } from "./client.server";
import { RedisConfigSchema, type RedisConfig } from "./config";
import { databasePreviewStore, memoryPreviewStore, previewMigrations } from "./preview-store";
import { keyCountProbe, missingTtlProbe, patternSurveyor } from "./probes/key-pattern";
import { clientsProbe, evictionsProbe, memoryProbe, pingProbe } from "./probes/server";

/** The shop's key families, as the seed runbook lists them (demo mode). */
export const DEMO_KEY_PATTERNS: RedisConfig["keyPatterns"] = {
  "rate-limit": { pattern: "rate_limit:*", ttl: { min: "1s", max: "24h" }, description: "Rate-limit counters rate_limit:{user_id}:{period}; one without TTL blocks its user for good" },
  "user-tier": { pattern: "user_tier:*", ttl: { min: "1s", max: "5m" }, description: "Cached user tiers, 5 minutes" },
  analytics: { pattern: "analytics:*", ttl: { min: "1s", max: "24h" }, count: { warn: "> 3000", critical: "> 20000" }, description: "Per-user daily analytics, 24 hours; grows with traffic" },
  idempotency: { pattern: "idempotency:*", ttl: { min: "1m", max: "48h" }, description: "Webhook idempotency markers, 48 hours" },
};

/** Names under which the demo shop (demo/shop/redis.ts) hands over its private Redis, or why there is none. */
export const WORLD_URL = "redis.url";
export const WORLD_UNAVAILABLE = "redis.unavailable";

/** A host that can never resolve (RFC 2606): the demo config when no private redis-server could start. */
const NOWHERE = "redis://redis-server-not-installed.invalid:6379/0";

export default definePlugin<RedisConfig>({
  id: "redis",
  title: "Redis",
  description: "Cache and rate-limit health: ping, memory, evictions, connection errors, key families by SCAN; guarded key deletion",
  config: RedisConfigSchema,
  doctor: redisDoctor,
  migrations: previewMigrations,

  async demo({ world, log }) {
    const url = world?.get<string>(WORLD_URL);
    if (!url) log.warn({ reason: world?.get<string>(WORLD_UNAVAILABLE) }, "redis demo: no private redis-server; the Redis probes say how to enable it");
    return {
      // Latency thresholds sized for a laptop busy with the whole demo, not for production.
      config: { url: url ?? NOWHERE, keyPatterns: DEMO_KEY_PATTERNS, scanCount: 2000, latency: { warn: "> 250", critical: "> 1000" }, timeouts: { connect: "3s", command: "3s", scan: "5s", probe: "12s" } },
      stop: async () => {},
    };
  },

  setup({ config, log, demo, world, database, scrubber }) {
    const unavailable = demo && world && !world.get<string>(WORLD_URL) ? (world.get<string>(WORLD_UNAVAILABLE) ?? "the demo Redis is not running") : undefined;
    const client = createRedisClient(config, log, { unavailable, scrubber });
    const store = database ? databasePreviewStore(database) : memoryPreviewStore();
    // Bumped by every action run, so the probes read afresh after a fix instead of a shared older walk.
    let generation = 0;
    const changes = { generation: () => generation, changed: () => void generation++ };
    const probes: ProbeDefinition[] = [pingProbe(client, config), memoryProbe(client, config), evictionsProbe(client, config), clientsProbe(client, config)];
    for (const [name, spec] of Object.entries(config.keyPatterns)) {
      const survey = patternSurveyor(client, config, spec, changes);
      probes.push(keyCountProbe(name, spec, config, survey));
      if (spec.ttl) probes.push(missingTtlProbe(name, spec, config, survey));
    }
    const read = readAction(client, config);
    return {
      probes,
      // A read changes nothing: the probes' shared walk is not invalidated by it.
      actions: [read, ...[deleteKeyAction(client, config), deleteKeysAction(client, config, store), setTtlAction(client, config)].map((a) => ({
        ...a,
        run: (input: never, ctx: Parameters<typeof a.run>[1]) => a.run(input, ctx).finally(changes.changed),
      }))],
      stop: () => client.close(),
    };
  },
});
