// redis-cli as written (#33): the seed's `redis-cli` lines, read in place, become the redis
// plugin's reads (run) and guarded deletes (previewed) against the configured instance — the real
// Redis on 127.0.0.1:6379 in a database of its own (9), flushed before and after.
import fs from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_KEY_PATTERNS } from "../../plugins/redis";
import { previewAction, submitAction } from "~/core/actions/pipeline.server";
import type { User } from "~/core/auth.server";
import { resolveLiveBlocks } from "~/core/runbooks/live-blocks.server";
import { renderRunbook } from "~/core/runbooks/render.server";
import { settleRun, testPortal } from "../helpers/portal";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

const DB = 9;
const URL_9 = `redis://127.0.0.1:6379/${DB}`;
const SEEDS = process.env.OPSDECK_SEEDS_DIR ?? path.resolve(__dirname, "../..", "../shared/seeds");
const seed = fs.existsSync(SEEDS) ? fs.readdirSync(SEEDS).sort().map((f) => fs.readFileSync(path.join(SEEDS, f), "utf8")).find((t) => /redis-cli KEYS/.test(t)) : undefined;
if (!seed) console.warn(`as-written-redis: no seed with redis-cli lines at ${SEEDS} (set OPSDECK_SEEDS_DIR): the seed test is skipped`);
const responder: User = { id: "u_responder", username: "responder", displayName: null, roles: ["responder"], via: "session" };
const admin: User = { id: "u_admin", username: "admin", displayName: null, roles: ["admin"], via: "session" };

describe("redis-cli lines against the redis plugin (db 9)", () => {
  const r = new Redis(URL_9, { maxRetriesPerRequest: 1 });
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    await r.flushdb();
    await r.set("rate_limit:user_123:daily", "41", "EX", 3600);
    for (let i = 0; i < 5; i++) await r.set(`rate_limit:user_${i}:hourly`, String(i), "EX", 600);
    for (let i = 0; i < 5; i++) await r.set(`analytics:user_${i}:2026-12-06`, "{}", "EX", 3600);
    t = await testPortal({ config: { plugins: { redis: { url: URL_9, keyPatterns: DEMO_KEY_PATTERNS, timeouts: { connect: "2s", command: "2s", scan: "5s", probe: "8s" } } } } });
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
    await r.flushdb();
    r.disconnect();
  });

  it.skipIf(!seed)("the seed's lines: reads run, deletes preview, FLUSHDB says why — and nothing is deleted", async () => {
    const live = await resolveLiveBlocks(renderRunbook(seed!, { file: "seed.md" }).live, t.portal.registry);
    const redis = live.blocks.filter((b) => b.kind === "redis");
    const listed = redis.map((b) => (b.refused ? `refused: ${b.query}` : b.action ? `${b.action.id} ${JSON.stringify(b.action.input)}` : `redis.read ${JSON.stringify(b.input)}`));
    console.log(listed.join("\n"));
    expect(listed).toEqual(
      expect.arrayContaining([
        'redis.delete-key {"key":"rate_limit:user_123:daily"}',
        'redis.read {"command":"SCAN","pattern":"*"}',
        'redis.read {"command":"PING"}',
        'redis.read {"command":"INFO","section":"memory"}',
        'redis.delete-keys {"pattern":"rate_limit:*"}',
        'redis.delete-keys {"pattern":"analytics:*"}',
        "refused: redis-cli FLUSHDB",
      ]),
    );
    let key = 0;
    for (const b of redis) {
      if (b.refused) {
        expect(b.runs).toBeUndefined();
        continue;
      }
      if (b.input) {
        expect(b.runs).toEqual({ action: "redis.read", risk: "low" });
        const res = await answerOf(submitAction(t.portal, responder, "redis.read", { input: b.input, idempotencyKey: `as-written-redis-${process.pid}-${++key}` }));
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        const run = await settleRun(t.portal, String(res.body.runId), { timeoutMs: 20_000 });
        expect(run.status, `${b.query}: ${run.error ?? ""}`).toBe("succeeded");
        continue;
      }
      const p = await answerOf(previewAction(t.portal, admin, b.action!.id, { input: b.action!.input }), answerData);
      expect(p.status, `${b.query}: ${JSON.stringify(p.body)}`).toBe(200);
    }
    expect(await r.dbsize()).toBe(11);
  });

  it("a listing is a SCAN that names the count and the keys; GET and TTL read the key", async () => {
    let n = 0;
    const run = async (input: Record<string, string>) => {
      const res = await answerOf(submitAction(t.portal, responder, "redis.read", { input, idempotencyKey: `as-written-redis-read-${process.pid}-${++n}` }));
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const settled = await settleRun(t.portal, String(res.body.runId), { timeoutMs: 20_000 });
      expect(settled.status).toBe("succeeded");
      return settled as typeof settled & { result: { summary: string; rows: Record<string, unknown>[] } };
    };
    const list = await run({ command: "SCAN", pattern: "analytics:*" });
    expect(list.result.summary).toMatch(/^5 key\(s\) match analytics:\* in redis:\/\/127\.0\.0\.1:6379 db 9 \(SCAN/);
    expect(list.result.rows.map((x) => x.key)).toEqual([0, 1, 2, 3, 4].map((i) => `analytics:user_${i}:2026-12-06`));
    const get = await run({ command: "GET", key: "rate_limit:user_123:daily" });
    expect(get.result.rows[0]).toMatchObject({ key: "rate_limit:user_123:daily", type: "string", value: "41" });
    const ttl = await run({ command: "TTL", key: "nope:1" });
    expect(ttl.result.summary).toBe("nope:1 does not exist in redis://127.0.0.1:6379 db 9");
    // A viewer may not run it: the page shows the button disabled for them (as-written-roles.spec.ts).
    const viewer = await answerOf(submitAction(t.portal, { ...responder, roles: ["viewer"] }, "redis.read", { input: { command: "PING" }, idempotencyKey: `as-written-redis-viewer-${process.pid}` }));
    expect(viewer.status).toBe(403);
  });

  it("a password written after -a never reaches the rendered page", () => {
    const r2 = renderRunbook("```bash\nredis-cli -h cache.internal -a Zx9-very-secret-pw PING\n```\n\nOr `redis-cli -a Zx9-very-secret-pw INFO memory`.\n", { file: "pw.md" });
    const all = JSON.stringify(r2);
    expect(all).not.toContain("Zx9-very-secret-pw");
    expect(r2.live.filter((c) => c.kind === "redis")).toHaveLength(2);
  });
});
