import { z } from "zod";
import { action, ActionInputError, type ActionDefinition } from "../../plugin-api";
import type { RedisClient } from "../client.server";
import type { RedisConfig } from "../config";
import { globMatch, patternOf } from "../glob";
import { KEEP_MS, type PreviewStore } from "../preview-store";
import { scanKeys } from "../scan";

const SAMPLE = 20;
/** A preview may walk longer than a probe: the operator is waiting for it on purpose. */
const PREVIEW_SCAN_MS = 5_000;

export const PatternSchema = z
  .string()
  .min(1, "name a pattern")
  .max(200)
  .refine((p) => p.replace(/[*?[\]\\^-]/g, "").length > 0, "a pattern of wildcards only would match every key: name a family, e.g. rate_limit:*")
  .describe("Pattern (Redis glob), e.g. rate_limit:*");

/**
 * `redis.delete-keys`: deletes the keys a preview found for a pattern, in UNLINK batches, with
 * progress and cancel. The preview stores the exact set (its id travels as the precondition);
 * the run deletes only those keys, so keys written after the preview survive. Keys outside the
 * configured patterns are left out unless break-glass.
 */
export function deleteKeysAction(client: RedisClient, config: RedisConfig, store: PreviewStore): ActionDefinition<{ pattern: string }> {
  /** The previewed set a run of `pattern` would delete, or why there is none (the press must preview again). */
  async function previewedSetFor(pattern: string, precondition: string | null) {
    const again = "preview again (POST /api/actions/redis.delete-keys/preview) and send its precondition with the run";
    if (!precondition) throw new ActionInputError(`no previewed key set: ${again}`, { precondition: ["required: the precondition of a preview of this pattern"] });
    const set = await store.get(precondition);
    if (!set) throw new ActionInputError(`the previewed key set ${precondition} is unknown or older than ${KEEP_MS / 3_600_000} h: ${again}`, { precondition: ["unknown or expired"] });
    if (set.pattern !== pattern) throw new ActionInputError(`the previewed key set was for ${set.pattern}, not ${pattern}: ${again}`, { precondition: [`previewed for ${set.pattern}`] });
    if (set.server !== client.server) throw new ActionInputError(`the previewed key set was taken on ${set.server}, this run would act on ${client.server}: ${again}`, { precondition: [`taken on ${set.server}`] });
    return set;
  }

  return action({
    id: "delete-keys",
    title: "Delete Redis keys by pattern",
    description: "Counts the matching keys by SCAN (never KEYS) and lists a sample; the run deletes exactly the previewed keys in UNLINK batches.",
    input: z.object({ pattern: PatternSchema }),
    risk: "critical",
    target: (i) => i.pattern,
    timeout: "30m",
    cancellable: true,
    async preview(input, ctx) {
      // Pressed: the run deletes only a previewed set, so a press without a live one would fail
      // after the approval; it is refused now instead.
      if (ctx.press) await previewedSetFor(input.pattern, ctx.press.precondition);
      const redis = await client.use(ctx.signal);
      const keys: Buffer[] = [];
      let outside = 0;
      const outsideSample: string[] = [];
      let scan;
      try {
        scan = await scanKeys(redis, input.pattern, {
          count: config.scanCount,
          deadline: Date.now() + PREVIEW_SCAN_MS,
          signal: ctx.signal,
          limit: config.maxDeleteKeys + 1,
          onKeys(batch) {
            for (const k of batch) {
              if (ctx.breakGlassReason || patternOf(k.toString("utf8"), config.keyPatterns)) {
                if (keys.length < config.maxDeleteKeys) keys.push(k);
              } else {
                outside++;
                if (outsideSample.length < 5) outsideSample.push(k.toString("utf8"));
              }
            }
          },
        });
      } catch (err) {
        throw client.explain(err);
      }
      if (!keys.length) {
        throw new ActionInputError(
          outside
            ? `${outside} keys match ${input.pattern}, but none belongs to the configured key patterns (e.g. ${outsideSample.join(", ")}); refused unless pressed with break-glass`
            : `no key matches ${input.pattern} in ${client.server}; nothing to delete`,
          { pattern: [outside ? "outside the configured key patterns" : "matches no key"] },
        );
      }
      const truncated = scan.seen > keys.length + outside;
      const set = await store.save({ pattern: input.pattern, server: client.server, complete: scan.complete && !truncated }, keys);
      const more = scan.complete && !truncated ? "" : ` — SCAN ${scan.stoppedBy === "time" ? "ran out of time" : `stopped at the limit of ${config.maxDeleteKeys.toLocaleString("en-US")}`}: at least ${scan.seen.toLocaleString("en-US")} keys match; this run deletes only the ${keys.length.toLocaleString("en-US")} listed, preview again for the rest`;
      return {
        summary: `delete ${keys.length.toLocaleString("en-US")} keys matching ${input.pattern} from ${client.server} in UNLINK batches of ${config.deleteBatch}${outside ? `; ${outside} matching keys outside the configured patterns are left alone` : ""}${more}. Keys written after this preview are not touched.`,
        count: keys.length,
        rows: keys.slice(0, SAMPLE).map((k) => ({ key: k.toString("utf8") })),
        precondition: set.id,
      };
    },
    async run(input, ctx) {
      const set = await previewedSetFor(input.pattern, input.precondition ?? null);
      const redis = await client.use(ctx.signal);
      ctx.log(`deleting the ${set.count} keys previewed at ${new Date(set.createdAt).toISOString()} for ${set.pattern} on ${client.server}, ${config.deleteBatch} per UNLINK`);
      ctx.progress(0, set.count);
      let done = 0;
      let deleted = 0;
      let skipped = 0;
      try {
        for await (const batch of store.keys(set.id, config.deleteBatch)) {
          if (ctx.signal.aborted) break;
          // Still matching: the name matches the pattern and the families (checked again), and the key still exists.
          const eligible = batch.filter((k) => globMatch(set.pattern, k.toString("latin1")) || globMatch(set.pattern, k.toString("utf8")));
          skipped += batch.length - eligible.length;
          const n = eligible.length ? Number(await redis.unlink(...eligible)) : 0;
          deleted += n;
          done += batch.length;
          ctx.progress(done, set.count);
          ctx.log(`batch: ${n} of ${batch.length} deleted (${done}/${set.count})`);
        }
      } catch (err) {
        throw client.explain(err);
      }
      const gone = done - deleted - skipped;
      const summary = ctx.signal.aborted
        ? `stopped after ${done} of ${set.count} previewed keys: ${deleted} deleted; the rest are untouched`
        : `deleted ${deleted} of the ${set.count} previewed keys matching ${set.pattern}${gone ? `; ${gone} had already expired or been deleted` : ""}; keys written since the preview were not touched`;
      return { summary, data: { previewed: set.count, deleted, alreadyGone: gone, processed: done } };
    },
  });
}

