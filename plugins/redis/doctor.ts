import { doctorCheck, parseDuration, type DoctorCheck, type DoctorContext } from "../plugin-api";
import { createRedisClient } from "./client.server";
import type { RedisConfig } from "./config";
import { parseInfo } from "./info";
import { countText, scanKeys } from "./scan";

function redisFix(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (/authentication failed|WRONGPASS|NOAUTH/i.test(text)) return "the user or password in plugins.redis.url is refused: set the current one (e.g. REDIS_URL=rediss://default:<password>@host:6379)";
  if (/NOPERM/i.test(text)) return "grant the ACL user the read commands: ACL SETUSER <user> +ping +info +scan +ttl +pttl +memory|usage +type ~* (and +unlink for the delete actions)";
  return "make the host in plugins.redis.url reachable from the portal (network rule, TLS: rediss://), or correct the URL";
}

/** PING, INFO (version, memory) and, for each key pattern, a time-boxed SCAN in the configured database. */
export async function redisDoctor({ config, log, signal, scrubber }: DoctorContext<RedisConfig>): Promise<DoctorCheck[]> {
  const client = createRedisClient(config, log, { scrubber });
  try {
    const ping = await doctorCheck("PING", redisFix, async () => {
      const redis = await client.use(signal);
      const t = performance.now();
      const answer = await redis.ping().catch((err) => Promise.reject(client.explain(err)));
      return `${answer} in ${Math.round(performance.now() - t)} ms from ${client.server}`;
    });
    if (!ping.ok) return [ping];
    let keyspace: Record<string, string> = {};
    const info = await doctorCheck("INFO", redisFix, async () => {
      const redis = await client.use(signal);
      const text = await redis.info().catch((err) => Promise.reject(client.explain(err)));
      const fields = parseInfo(text);
      keyspace = Object.fromEntries(Object.entries(fields).filter(([k]) => /^db\d+$/.test(k)));
      return `Redis ${fields.redis_version ?? "?"}, ${fields.used_memory_human ?? "?"} used, maxmemory policy ${fields.maxmemory_policy ?? "?"}`;
    });
    const checks = [ping, info];
    for (const [name, family] of Object.entries(config.keyPatterns)) {
      const check = await doctorCheck(`keys ${name} (${family.pattern})`, redisFix, async () => {
        const redis = await client.use(signal);
        const r = await scanKeys(redis, family.pattern, { count: config.scanCount, deadline: Date.now() + parseDuration(config.timeouts.scan), signal, limit: 1000 });
        if (r.seen === 0) {
          const elsewhere = Object.keys(keyspace).filter((db) => db !== `db${client.db}`);
          if (elsewhere.length) throw Object.assign(new Error(`no key matches ${family.pattern} in db ${client.db}; the server has keys in ${elsewhere.join(", ")}`), { elsewhere });
          return `no key matches ${family.pattern} in db ${client.db} yet`;
        }
        return `${countText(r)} key(s) match in db ${client.db}`;
      });
      if (!check.ok && /the server has keys in/.test(check.detail)) check.fix = `set plugins.redis.db (or the /<db> of plugins.redis.url) to the database that holds ${family.pattern}`;
      checks.push(check);
    }
    return checks;
  } finally {
    await client.close();
  }
}
