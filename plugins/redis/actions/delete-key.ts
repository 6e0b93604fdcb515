import { z } from "zod";
import { action, ActionInputError, type ActionDefinition } from "../../plugin-api";
import type { RedisClient } from "../client.server";
import type { RedisConfig } from "../config";
import { describeKey, guardKey } from "./key-guard";

export const KeySchema = z.string().min(1, "name the key").max(1024, "at most 1024 characters");

/** `redis.delete-key`: UNLINK one key of a configured family (a stuck rate limit, a stale cache entry). */
export function deleteKeyAction(client: RedisClient, config: RedisConfig): ActionDefinition<{ key: string }> {
  return action({
    id: "delete-key",
    title: "Delete one Redis key",
    description: "Removes one key (UNLINK). Keys outside the configured patterns are refused unless you press with break-glass.",
    input: z.object({ key: KeySchema.describe("Key, e.g. rate_limit:user_123:daily") }),
    risk: "high",
    target: (i) => i.key,
    timeout: "30s",
    async preview(input, ctx) {
      const guard = guardKey(input.key, config, ctx.breakGlassReason);
      const redis = await client.use(ctx.signal);
      const d = await describeKey(redis, input.key).catch((err) => Promise.reject(client.explain(err)));
      if (!d) throw new ActionInputError(`${input.key} does not exist in ${client.server}`, { key: ["no such key"] });
      return {
        summary: `delete ${d.key} (${d.type}, ${d.ttl}${d.size ? `, ${d.size}` : ""}) from ${client.server}; ${guard.note}`,
        count: 1,
        before: { type: d.type, ttl: d.ttl, value: d.excerpt },
        after: null,
        rows: [{ key: d.key, type: d.type, ttl: d.ttl, size: d.size ?? "?", value: d.excerpt }],
        precondition: d.type,
      };
    },
    async run(input, ctx) {
      const guard = guardKey(input.key, config, ctx.breakGlassReason);
      ctx.log(guard.note);
      const redis = await client.use(ctx.signal);
      try {
        const d = await describeKey(redis, input.key);
        if (!d) return { summary: `${input.key} was already gone; nothing deleted`, data: { deleted: 0 } };
        if (input.precondition && input.precondition !== d.type) throw new Error(`${input.key} changed since preview: it is a ${d.type} now, the preview showed a ${input.precondition}`);
        ctx.log(`before: ${d.type}, ${d.ttl}, value ${d.excerpt}`);
        const n = await redis.unlink(input.key);
        return {
          summary: n ? `deleted ${input.key} (${d.type}, ${d.ttl}) from ${client.server}` : `${input.key} disappeared before the delete; nothing deleted`,
          rows: [{ key: input.key, type: d.type, ttlBefore: d.ttl, deleted: n === 1 }],
          data: { deleted: n, before: { type: d.type, ttl: d.ttl } },
        };
      } catch (err) {
        if (err instanceof Error && err.message.includes("changed since preview")) throw err;
        throw client.explain(err);
      }
    },
  });
}
