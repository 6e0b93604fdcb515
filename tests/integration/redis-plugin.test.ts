import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ActionContext } from "../../plugins/plugin-api";
import redisPlugin from "../../plugins/redis";
import { RedisConfigSchema } from "../../plugins/redis/config";
import { decideApproval, previewAction, submitAction } from "~/core/actions/pipeline.server";
import { createOrUpdateUser, type User } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { probeEngine } from "~/core/probes/service.server";
import { testPortal, settleRun } from "../helpers/portal";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

// The redis plugin against the real Redis on 127.0.0.1:6379, in a database of its own (13),
// flushed before and after. SCAN only: the tests never call KEYS either.
const DB = 13;
const URL_13 = `redis://127.0.0.1:6379/${DB}`;
const PATTERNS = {
  "rate-limit": { pattern: "rate_limit:*", ttl: { min: "1s", max: "24h" } },
  "user-tier": { pattern: "user_tier:*", ttl: { min: "1s", max: "5m" } },
  analytics: { pattern: "analytics:*", ttl: { max: "24h" }, count: { warn: "> 1000" } },
};

const user = (username: string): User => ({ id: `u_${username}`, username, displayName: null, roles: ["admin"], via: "session" });
const admin = user("admin");
const admin2 = user("admin2");

const settle = (portal: Portal, runId: string) => settleRun(portal, runId, { timeoutMs: 20_000, pastApproval: true });

/** Every key of the test database, by SCAN. */
async function allKeys(r: Redis, pattern = "*"): Promise<string[]> {
  const out = new Set<string>();
  let cursor = "0";
  do {
    const [next, keys] = await r.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    for (const k of keys) out.add(k);
    cursor = next;
  } while (cursor !== "0");
  return [...out].sort();
}

async function writeKeys(r: Redis, prefix: string, n: number, ttlSeconds: number | null, from = 0) {
  const p = r.pipeline();
  for (let i = from; i < from + n; i++) {
    if (ttlSeconds) p.set(`${prefix}${i}`, String(i), "EX", ttlSeconds);
    else p.set(`${prefix}${i}`, String(i));
  }
  await p.exec();
}

describe("redis plugin on the real Redis (db 13)", () => {
  const r = new Redis(URL_13, { maxRetriesPerRequest: 1 });
  let t: Awaited<ReturnType<typeof testPortal>>;

  beforeAll(async () => {
    await r.flushdb();
    t = await testPortal({
      config: { plugins: { redis: { url: URL_13, keyPatterns: PATTERNS, deleteBatch: 40, timeouts: { connect: "2s", command: "2s", scan: "5s", probe: "8s" } } } },
      plugins: [redisPlugin],
    });
    for (const u of [admin, admin2]) await createOrUpdateUser(t.portal.store, { username: u.username, password: "test-password-123", roles: ["admin"] });
  });
  beforeEach(async () => {
    await r.flushdb();
  });
  afterAll(async () => {
    await t?.cleanup();
    await r.flushdb();
    r.disconnect();
  });

  it("counts keys by SCAN exactly as written, and finds the rate-limit keys without TTL", async () => {
    await writeKeys(r, "rate_limit:user_", 2500, 3600);
    await writeKeys(r, "rate_limit:stuck_", 3, null);
    await writeKeys(r, "user_tier:user_", 120, 300);
    await writeKeys(r, "session:", 10, null); // outside every pattern: counted nowhere
    const engine = probeEngine(t.portal);
    const count = await engine.view("redis.keys-rate-limit", await engine.refresh("redis.keys-rate-limit"), false);
    expect(count.value).toBe(2503);
    expect(count.summary).toBe("2,503 keys match rate_limit:*");
    expect(count.rows?.length).toBeGreaterThan(0);
    const tiers = await engine.view("redis.keys-user-tier", await engine.refresh("redis.keys-user-tier"), false);
    expect(tiers.value).toBe(120);
    const ttl = await engine.view("redis.ttl-rate-limit", await engine.refresh("redis.ttl-rate-limit"), false);
    expect(ttl.value).toBe(3);
    expect(ttl.status).toBe("critical");
    expect((ttl.rows ?? []).map((row) => row.key).sort()).toEqual(["rate_limit:stuck_0", "rate_limit:stuck_1", "rate_limit:stuck_2"]);
    const ping = await engine.view("redis.ping", await engine.refresh("redis.ping"), false);
    expect(ping.status).toBe("ok");
    expect(ping.summary).toMatch(/^PONG in [\d.]+ ms from redis:\/\/127\.0\.0\.1:6379 db 13/);
    const memory = await engine.view("redis.memory", await engine.refresh("redis.memory"), false);
    expect(memory.value).toBeGreaterThan(0);
    expect(memory.summary).toMatch(/used/);
  });

  it("says 'at least N' when the SCAN time box ends first", async () => {
    await writeKeys(r, "analytics:user_1:", 3000, 86_400);
    const config = RedisConfigSchema.parse({ url: URL_13, keyPatterns: PATTERNS, scanCount: 10, timeouts: { scan: "1ms" } });
    const instance = await redisPlugin.setup({ config, log: pino({ level: "silent" }), deps: {}, demo: false, dataDir: "/tmp" });
    try {
      const probe = instance.probes!.find((p) => p.id === "keys-analytics")!;
      const reading = await probe.read({ signal: new AbortController().signal, log: pino({ level: "silent" }), now: () => new Date() });
      expect(reading.value).toBeGreaterThan(0);
      expect(reading.value).toBeLessThan(3000);
      expect(reading.summary).toMatch(/^at least [\d,]+ keys match analytics:\* \(SCAN stopped after its 1ms time box\)$/);
    } finally {
      await instance.stop?.();
    }
  });

  it("delete-key refuses a key outside the configured patterns, unless break-glass; its preview scrubs secrets", async () => {
    await r.set("session:abc", "x");
    await r.set("user_tier:user_9", JSON.stringify({ tier: "pro", apiToken: "tok_live_abcdef", note: "key sk_live_51Hsecretvalue" }), "EX", 300);
    const refused = await answerOf(submitAction(t.portal, admin, "redis.delete-key", { input: { key: "session:abc" }, confirm: "session:abc", idempotencyKey: "redis-del-out-1" }));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/"session:abc" is outside the configured key patterns \(rate_limit:\*, user_tier:\*, analytics:\*\); refused unless pressed with break-glass/);
    expect(refused.body.fieldErrors).toHaveProperty("key");
    expect(await r.exists("session:abc")).toBe(1);

    const preview = await answerOf(previewAction(t.portal, admin, "redis.delete-key", { input: { key: "user_tier:user_9" } }), answerData);
    expect(preview.status).toBe(200);
    const p = preview.body.preview as { summary: string; before: { type: string; ttl: string; value: string } };
    expect(p.before.type).toBe("string");
    expect(p.before.ttl).toMatch(/^(5m|\d+s)$/);
    expect(p.before.value).toContain('"tier":"pro"');
    expect(p.before.value).not.toMatch(/tok_live_abcdef|sk_live_51Hsecretvalue/);

    const glassPreview = await answerOf(previewAction(t.portal, admin, "redis.delete-key", { input: { key: "session:abc" }, breakGlassReason: "stale session blocks the support account" }), answerData);
    expect(glassPreview.body.previewInvalid).toBe(false);
    expect((glassPreview.body.preview as { summary: string }).summary).toMatch(/outside the configured patterns; allowed by break-glass/);
    const shortReason = await answerOf(submitAction(t.portal, admin, "redis.delete-key", { input: { key: "session:abc" }, confirm: "session:abc", breakGlassReason: "because" }));
    expect(shortReason.status).toBe(400);
    expect(shortReason.body.fieldErrors).toHaveProperty("breakGlassReason");
    const glass = await answerOf(submitAction(t.portal, admin, "redis.delete-key", {
      input: { key: "session:abc" },
      confirm: "session:abc",
      idempotencyKey: "redis-del-out-2",
      breakGlassReason: "stale session blocks the support account",
    }));
    expect(glass.status).toBe(202);
    const run = await settle(t.portal, glass.body.runId as string);
    expect(run.status).toBe("succeeded");
    expect(run.breakGlass).toBe(true);
    expect(await r.exists("session:abc")).toBe(0);
  });

  it("delete-keys deletes exactly the previewed set: keys added after the preview and during the run survive", async () => {
    await writeKeys(r, "analytics:user_1:2026-11-27:", 300, 86_400);
    const previewed = await answerOf(previewAction(t.portal, admin, "redis.delete-keys", { input: { pattern: "analytics:*" } }), answerData);
    const p = previewed.body.preview as { count: number; rows: { key: string }[]; precondition: string; summary: string };
    expect(p.count).toBe(300);
    expect(p.rows).toHaveLength(20);
    expect(p.precondition).toMatch(/^rps_/);

    // Critical: filed for approval with the preview's precondition. More keys arriving before the
    // approval change what the approver would approve: the request is superseded (approve what you saw).
    const stale = await answerOf(submitAction(t.portal, admin, "redis.delete-keys", { input: { pattern: "analytics:*" }, confirm: "analytics:*", idempotencyKey: "redis-delkeys-0", precondition: p.precondition }));
    expect(stale.status).toBe(202);
    await writeKeys(r, "analytics:user_9:2026-11-27:", 5, 86_400);
    const refused = await answerOf(decideApproval(t.portal, admin2, stale.body.runId as string, "approve"));
    expect(refused.body).toMatchObject({ status: "superseded" });
    for (let i = 0; i < 5; i++) await r.del(`analytics:user_9:2026-11-27:${i}`);

    // Filed again and approved as previewed; keys that arrive after the approval are not in the set.
    const fresh = await answerOf(previewAction(t.portal, admin, "redis.delete-keys", { input: { pattern: "analytics:*" } }), answerData);
    const p2 = fresh.body.preview as { count: number; precondition: string };
    expect(p2.count).toBe(300);
    const filed = await answerOf(submitAction(t.portal, admin, "redis.delete-keys", { input: { pattern: "analytics:*" }, confirm: "analytics:*", idempotencyKey: "redis-delkeys-1", precondition: p2.precondition }));
    expect(filed.status).toBe(202);
    expect(filed.body.status).toBe("awaiting_approval");
    const approved = await answerOf(decideApproval(t.portal, admin2, filed.body.runId as string, "approve"));
    expect(approved.body).toMatchObject({ status: "started" });
    await writeKeys(r, "analytics:user_2:2026-11-27:", 50, 86_400);
    const run = await settle(t.portal, filed.body.runId as string);
    expect(run.status).toBe("succeeded");
    expect((run.result as { data: { deleted: number } }).data.deleted).toBe(300);
    const left = await allKeys(r, "analytics:*");
    expect(left).toHaveLength(50);
    expect(left.every((k) => k.startsWith("analytics:user_2:"))).toBe(true);

    // Keys written while the run is deleting (between its batches) are not touched either.
    await r.flushdb();
    await writeKeys(r, "analytics:user_3:", 200, 86_400);
    const def = t.portal.registry.actions.get("redis.delete-keys")!.def;
    const again = await def.preview!({ pattern: "analytics:*" }, { signal: new AbortController().signal, actor: { username: "admin", roles: ["admin"] } });
    let added = 0;
    const writes: Promise<void>[] = [];
    const progress: number[] = [];
    const ctx: ActionContext = {
      runId: "run_test",
      actor: { username: "admin", roles: ["admin"] },
      idempotencyKey: "k",
      signal: new AbortController().signal,
      log() {},
      progress(done) {
        progress.push(done);
        if (done > 0 && done < 200) {
          writes.push(writeKeys(r, "analytics:during:", 5, 86_400, added));
          added += 5;
        }
      },
    };
    const result = await def.run({ pattern: "analytics:*", precondition: again.precondition }, ctx);
    await Promise.all(writes);
    expect(result.data).toMatchObject({ previewed: 200, deleted: 200 });
    expect(progress).toEqual([0, 40, 80, 120, 160, 200]);
    const survivors = await allKeys(r, "analytics:*");
    expect(added).toBeGreaterThan(0);
    expect(survivors).toHaveLength(added);
    expect(survivors.every((k) => k.startsWith("analytics:during:"))).toBe(true);
  });

  it("delete-keys stops between batches when cancelled", async () => {
    await writeKeys(r, "analytics:user_4:", 400, 86_400);
    const def = t.portal.registry.actions.get("redis.delete-keys")!.def;
    const pv = await def.preview!({ pattern: "analytics:user_4:*" }, { signal: new AbortController().signal, actor: { username: "admin", roles: ["admin"] } });
    const controller = new AbortController();
    const ctx: ActionContext = { runId: "run_c", actor: { username: "admin", roles: ["admin"] }, idempotencyKey: "k", signal: controller.signal, log() {}, progress: (done) => void (done >= 80 && controller.abort()) };
    const result = await def.run({ pattern: "analytics:user_4:*", precondition: pv.precondition }, ctx);
    expect(result.summary).toMatch(/^stopped after 80 of 400 previewed keys: 80 deleted/);
    expect(await allKeys(r, "analytics:user_4:*")).toHaveLength(320);
  });

  it("set-ttl gives the stuck rate-limit key an expiry", async () => {
    await r.set("rate_limit:user_123:daily", "1000");
    const res = await answerOf(submitAction(t.portal, admin, "redis.set-ttl", { input: { key: "rate_limit:user_123:daily", ttl: "1h" }, confirm: "rate_limit:user_123:daily", idempotencyKey: "redis-ttl-1" }));
    expect(res.status).toBe(202);
    const run = await settle(t.portal, res.body.runId as string);
    expect(run.status).toBe("succeeded");
    const ttl = await r.ttl("rate_limit:user_123:daily");
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3600);
    const bad = await answerOf(submitAction(t.portal, admin, "redis.set-ttl", { input: { key: "rate_limit:user_123:daily", ttl: "soon" }, confirm: "rate_limit:user_123:daily" }));
    expect(bad.status).toBe(400);
    expect(bad.body.fieldErrors).toHaveProperty("ttl");
  });
});

describe("redis plugin with a wrong password", () => {
  const PASSWORD = "not-the-password-7731";
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({
      config: { plugins: { redis: { url: `redis://opsdeck-nobody:${PASSWORD}@127.0.0.1:6379/${DB}`, keyPatterns: PATTERNS } } },
      plugins: [redisPlugin],
    });
  });
  afterAll(async () => t?.cleanup());

  it("reads unknown with 'authentication failed', and the password appears nowhere", async () => {
    const engine = probeEngine(t.portal);
    for (const id of ["redis.ping", "redis.keys-rate-limit"]) {
      const view = await engine.view(id, await engine.refresh(id), false);
      expect(view.status).toBe("unknown");
      expect(view.error).toMatch(/^authentication failed at redis:\/\/127\.0\.0\.1:6379 db 13: WRONGPASS/);
      expect(JSON.stringify(view)).not.toContain(PASSWORD);
    }
    const preview = await answerOf(previewAction(t.portal, admin, "redis.delete-key", { input: { key: "rate_limit:user_1:daily" } }), answerData);
    expect(String(preview.body.previewError)).toMatch(/authentication failed/);
    expect(JSON.stringify(preview.body)).not.toContain(PASSWORD);
  });
});

describe("redis plugin with rediss:// to a server that speaks no TLS", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({
      config: { plugins: { redis: { url: `rediss://default:tls-secret-4411@127.0.0.1:6379/${DB}`, timeouts: { connect: "1s", command: "1s", probe: "4s" } } } },
      plugins: [redisPlugin],
    });
  });
  afterAll(async () => t?.cleanup());

  it("fails the TLS handshake within the timeout: unknown, the password never shown", async () => {
    const engine = probeEngine(t.portal);
    const t0 = performance.now();
    const view = await engine.view("redis.ping", await engine.refresh("redis.ping"), false);
    expect(performance.now() - t0).toBeLessThan(4500);
    expect(view.status).toBe("unknown");
    expect(view.error).toMatch(/^rediss:\/\/127\.0\.0\.1:6379 db 13/);
    expect(JSON.stringify(view)).not.toContain("tls-secret-4411");
  });
});
