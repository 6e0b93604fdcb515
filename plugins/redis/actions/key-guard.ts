import type { Redis } from "ioredis";
import { ActionInputError } from "../../plugin-api";
import type { RedisConfig } from "../config";
import { patternOf } from "../glob";
import { formatBytes } from "../info";
import { formatTtl } from "../scan";
import { isSecretField, REDACTED, scrubValue } from "../scrub";

const EXCERPT = 300;

/**
 * A key may be changed only when it belongs to a configured family (`keyPatterns`), unless the
 * operator pressed with break-glass (then the run is reviewed by another admin).
 */
export function guardKey(key: string, config: RedisConfig, breakGlassReason: string | undefined, field = "key"): { family: string | null; note: string } {
  const hit = patternOf(key, config.keyPatterns);
  if (hit) return { family: hit.name, note: `${key} belongs to ${hit.name} (${hit.spec.pattern})` };
  const known = Object.values(config.keyPatterns).map((p) => p.pattern);
  if (breakGlassReason) return { family: null, note: `${key} is outside the configured patterns; allowed by break-glass ("${breakGlassReason.slice(0, 200)}")` };
  throw new ActionInputError(`"${key}" is outside the configured key patterns (${known.length ? known.join(", ") : "none configured"}); refused unless pressed with break-glass`, {
    [field]: [`not in the configured patterns: ${known.join(", ") || "none"}`],
  });
}

export interface KeyDescription {
  key: string;
  type: string;
  ttl: string;
  ttlMs: number;
  size: string | null;
  /** Up to 300 characters of the value, secrets scrubbed. */
  excerpt: string;
}

/** Type, TTL, size and a scrubbed excerpt of one key; null when it does not exist. */
export async function describeKey(redis: Redis, key: string): Promise<KeyDescription | null> {
  const [type, ttlMs] = await Promise.all([redis.type(key), redis.pttl(key)]);
  if (type === "none") return null;
  const bytes = await redis.memory("USAGE", key).catch(() => null);
  return { key, type, ttl: formatTtl(Number(ttlMs)), ttlMs: Number(ttlMs), size: bytes === null ? null : formatBytes(Number(bytes)), excerpt: await excerptOf(redis, key, type) };
}

async function excerptOf(redis: Redis, key: string, type: string): Promise<string> {
  const cut = (s: string) => (s.length > EXCERPT ? `${s.slice(0, EXCERPT)}…` : s);
  switch (type) {
    case "string": {
      const len = await redis.strlen(key);
      const head = await redis.getrange(key, 0, EXCERPT * 2);
      return `${cut(scrubValue(head))}${len > EXCERPT * 2 ? ` (${len} bytes in all)` : ""}`;
    }
    case "hash": {
      const [, flat] = await redis.hscan(key, "0", "COUNT", 20);
      const pairs: string[] = [];
      for (let i = 0; i + 1 < flat.length && pairs.length < 10; i += 2) pairs.push(`${flat[i]}=${isSecretField(flat[i]!) ? REDACTED : scrubValue(flat[i + 1]!)}`);
      return cut(`{${pairs.join(", ")}} (${await redis.hlen(key)} fields)`);
    }
    case "list":
      return cut(`[${(await redis.lrange(key, 0, 4)).map(scrubValue).join(", ")}] (${await redis.llen(key)} items)`);
    case "set": {
      const [, members] = await redis.sscan(key, "0", "COUNT", 10);
      return cut(`{${members.slice(0, 5).map(scrubValue).join(", ")}} (${await redis.scard(key)} members)`);
    }
    case "zset":
      return cut(`${(await redis.zrange(key, 0, 4, "WITHSCORES")).map(scrubValue).join(" ")} (${await redis.zcard(key)} members)`);
    case "stream":
      return cut(`${await redis.xlen(key)} entries`);
    default:
      return `(${type})`;
  }
}
