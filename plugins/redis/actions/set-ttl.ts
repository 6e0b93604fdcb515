import { z } from "zod";
import { action, ActionInputError, parseDuration, type ActionDefinition } from "../../plugin-api";
import type { RedisClient } from "../client.server";
import type { RedisConfig } from "../config";
import { patternOf } from "../glob";
import { formatTtl } from "../scan";
import { guardKey } from "./key-guard";
import { KeySchema } from "./delete-key";

/** Seconds, or a duration such as "5m", "48h". */
const TtlSchema = z
  .union([z.number(), z.string().trim()])
  .transform((v, ctx) => {
    const seconds = typeof v === "number" ? v : /^\d+$/.test(v) ? Number(v) : (() => {
      try {
        return parseDuration(v) / 1000;
      } catch {
        return NaN;
      }
    })();
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 10 * 365 * 86_400) {
      ctx.addIssue({ code: "custom", message: "a whole number of seconds from 1, or a duration such as 5m, 24h, 2d" });
      return z.NEVER;
    }
    return seconds;
  })
  .describe("New TTL: seconds, or a duration such as 5m, 24h");

/** `redis.set-ttl`: give one key an expiry (a rate-limit key stuck without one). */
export function setTtlAction(client: RedisClient, config: RedisConfig): ActionDefinition<{ key: string; ttl: number }> {
  const rangeNote = (key: string, seconds: number): string => {
    const hit = patternOf(key, config.keyPatterns);
    const t = hit?.spec.ttl;
    if (!t) return "";
    const ms = seconds * 1000;
    if ((t.min && ms < parseDuration(t.min)) || (t.max && ms > parseDuration(t.max))) return `; note: outside the expected TTL of ${hit!.name} (${[t.min && `min ${t.min}`, t.max && `max ${t.max}`].filter(Boolean).join(", ")})`;
    return "";
  };
  return action({
    id: "set-ttl",
    title: "Set a Redis key's TTL",
    description: "Sets the expiry of one existing key (PEXPIRE). Keys outside the configured patterns are refused unless you press with break-glass.",
    input: z.object({ key: KeySchema.describe("Key, e.g. rate_limit:user_123:daily"), ttl: TtlSchema }),
    risk: "high",
    target: (i) => i.key,
    timeout: "30s",
    async preview(input, ctx) {
      const guard = guardKey(input.key, config, ctx.breakGlassReason);
      const redis = await client.use(ctx.signal);
      const [type, pttl] = await Promise.all([redis.type(input.key), redis.pttl(input.key)]).catch((err) => Promise.reject(client.explain(err)));
      if (type === "none") throw new ActionInputError(`${input.key} does not exist in ${client.server}`, { key: ["no such key"] });
      const after = formatTtl(input.ttl * 1000);
      return {
        summary: `set the TTL of ${input.key} (${type}) from ${formatTtl(Number(pttl))} to ${after}; ${guard.note}${rangeNote(input.key, input.ttl)}`,
        count: 1,
        before: { ttl: formatTtl(Number(pttl)) },
        after: { ttl: after },
      };
    },
    async run(input, ctx) {
      ctx.log(guardKey(input.key, config, ctx.breakGlassReason).note);
      const redis = await client.use(ctx.signal);
      try {
        const before = Number(await redis.pttl(input.key));
        if (before === -2) throw new ActionInputError(`${input.key} no longer exists; nothing changed`);
        // XX-free PEXPIRE: works on Redis 6 and managed services alike; 0 means the key vanished meanwhile.
        const ok = await redis.pexpire(input.key, input.ttl * 1000);
        if (!ok) throw new Error(`${input.key} vanished before its TTL could be set`);
        const now = Number(await redis.pttl(input.key));
        return {
          summary: `TTL of ${input.key}: ${formatTtl(before)} → ${formatTtl(now)}${rangeNote(input.key, input.ttl)}`,
          rows: [{ key: input.key, before: formatTtl(before), after: formatTtl(now) }],
          data: { beforeMs: before, afterMs: now },
        };
      } catch (err) {
        if (err instanceof ActionInputError || (err instanceof Error && err.message.includes(input.key))) throw err;
        throw client.explain(err);
      }
    },
  });
}
