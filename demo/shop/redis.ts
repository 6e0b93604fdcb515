import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort, type DemoWorld } from "../../plugins/plugin-api";
import type { DemoModule } from "../world";

/**
 * The shop's Redis: a PRIVATE redis-server (free loopback port, no persistence, in the world's
 * data folder), never a Redis this process did not start. The shop's caches and rate limiter
 * use it: `user_tier:{user_id}` (5 min), `rate_limit:{user_id}:{period}` — with one stuck key
 * without TTL that blocks user_123 for good —, a growing `analytics:{user_id}:{date}` keyspace
 * (24 h) and `idempotency:{webhook_id}` (48 h). Handed to the redis plugin as `redis.url`.
 */

export const DAILY_LIMIT = 1000;
const USERS = 40;
const TRAFFIC_MS = 5_000;

function hasRedisServer(): boolean {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return r.status === 0;
}

/** A redis-server left behind by a crashed demo run in this folder (and only that one) is stopped. */
function stopLeftover(pidFile: string): void {
  try {
    const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (pid > 1 && cmd.startsWith("redis-server")) process.kill(pid, "SIGTERM");
  } catch {
    /* nothing left over */
  }
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<Redis> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output().slice(-400)}`);
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 500 });
    r.on("error", () => {});
    try {
      await r.connect();
      await r.ping();
      return r;
    } catch {
      r.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server did not answer within 10 s: ${output().slice(-400)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

const day = (offset = 0) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
const userId = (n: number) => `user_${100 + n}`;

/** The shop's keys as they would be after a busy morning, plus the stuck rate limit. */
export async function seedShopKeys(r: Redis): Promise<void> {
  const p = r.pipeline();
  for (let n = 0; n < USERS; n++) {
    const u = userId(n);
    p.set(`user_tier:${u}`, JSON.stringify({ tier: n % 7 === 0 ? "pro" : "free", userId: u, apiToken: `odk_demo${String(n).padStart(12, "0")}` }), "EX", 300);
    p.set(`rate_limit:${u}:hourly`, String(n % 30), "EX", 3600);
    p.set(`rate_limit:${u}:daily`, String((n * 17) % 400), "EX", 86_400);
    for (let d = 0; d < 60; d++) p.hset(`analytics:${u}:${day(0)}:${d}`, { views: (n * d) % 97, orders: d % 5 }).expire(`analytics:${u}:${day(0)}:${d}`, 86_400);
  }
  // The stuck key: a deploy wrote user_123's daily counter without EXPIRE; it never resets.
  p.set("rate_limit:user_123:daily", String(DAILY_LIMIT));
  for (let w = 0; w < 120; w++) p.set(`idempotency:evt_demo_${String(w).padStart(4, "0")}`, JSON.stringify({ processedAt: new Date().toISOString() }), "EX", 48 * 3600);
  await p.exec();
}

/** One tick of shop traffic: a few requests through the rate limiter, tier cache and analytics. */
export async function shopTraffic(r: Redis, tick: number): Promise<void> {
  const p = r.pipeline();
  for (let i = 0; i < 8; i++) {
    const u = userId((tick * 8 + i) % USERS);
    // INCR + EXPIRE NX: the limiter's own keys always carry a TTL (the stuck one predates this code).
    p.incr(`rate_limit:${u}:hourly`).expire(`rate_limit:${u}:hourly`, 3600, "NX");
    p.set(`user_tier:${u}`, JSON.stringify({ tier: "free", userId: u }), "EX", 300);
    // Analytics keys grow with traffic: one key per request batch, kept 24 h.
    p.hset(`analytics:${u}:${day(0)}:t${tick}`, { views: 1 + (tick % 9), orders: tick % 3 }).expire(`analytics:${u}:${day(0)}:t${tick}`, 86_400);
  }
  await p.exec();
}

/** The shop's rate limiter: is this user allowed another request today? */
export async function allowed(r: Redis, user: string): Promise<{ ok: boolean; count: number }> {
  const count = Number((await r.get(`rate_limit:${user}:daily`)) ?? 0);
  return { ok: count < DAILY_LIMIT, count };
}

export const redisShop: DemoModule = {
  id: "redis",
  async start(world: DemoWorld) {
    if (!hasRedisServer()) {
      world.provide("redis.unavailable", "redis-server is not installed, so the demo shop has no Redis: run `apt-get install redis-server` (Debian/Ubuntu) and restart Opsdeck");
      world.log.warn({}, "demo shop: redis-server not found; the Redis plugin will say how to enable it");
      return;
    }
    const dir = path.join(world.dataDir, "redis");
    fs.mkdirSync(dir, { recursive: true });
    const pidFile = path.join(dir, "redis.pid");
    stopLeftover(pidFile);
    const port = await freePort();
    let output = "";
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--pidfile", pidFile, "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning"];
    // A small watchdog shell owns the server: it stops it when asked (TERM) and also when this
    // process dies without a goodbye (kill -9), so no private server outlives the portal.
    const watchdog = 'redis-server "$@" & r=$!; trap "kill $r 2>/dev/null; wait $r; exit 0" TERM INT; while kill -0 "$PORTAL_PID" 2>/dev/null && kill -0 $r 2>/dev/null; do sleep 1 & wait $!; done; kill $r 2>/dev/null; wait $r';
    const child = spawn("bash", ["-c", watchdog, "opsdeck-demo-redis", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PORTAL_PID: String(process.pid) } });
    child.stdout?.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-4000)));
    child.stderr?.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-4000)));
    // A crash of the portal must not leave the private server running.
    const killOnExit = () => child.kill("SIGTERM");
    process.once("exit", killOnExit);
    const url = `redis://127.0.0.1:${port}/0`;
    let shop: Redis;
    try {
      shop = await waitReady(url, child, () => output);
      await seedShopKeys(shop);
    } catch (err) {
      child.kill("SIGKILL");
      process.off("exit", killOnExit);
      world.provide("redis.unavailable", `the demo redis-server could not start: ${err instanceof Error ? err.message : String(err)}`);
      world.log.warn({ err: String(err) }, "demo shop: redis-server did not start");
      return;
    }

    let tick = 0;
    const traffic = setInterval(() => {
      void shopTraffic(shop, tick++).catch((err) => world.log.debug({ err: String(err) }, "demo shop: redis traffic tick failed"));
    }, TRAFFIC_MS);
    traffic.unref();

    // The shop's API uses the limiter and the tier cache, so fixing a key changes what customers see.
    world.route("GET", "/api/account/*", async (req) => {
      const user = decodeURIComponent(req.url.split("?")[0]!.slice("/api/account/".length));
      if (!/^user_\d+$/.test(user)) return { status: 400, body: { error: "user ids look like user_123" } };
      const limit = await allowed(shop, user);
      if (!limit.ok) return { status: 429, body: { error: "rate limit exceeded", user, used: limit.count, limit: DAILY_LIMIT } };
      const cached = await shop.get(`user_tier:${user}`);
      const tier = cached ? (JSON.parse(cached) as { tier: string }).tier : "free";
      if (!cached) await shop.set(`user_tier:${user}`, JSON.stringify({ tier, userId: user }), "EX", 300);
      await shop.incr(`rate_limit:${user}:daily`);
      await shop.expire(`rate_limit:${user}:daily`, 86_400, "NX");
      return { status: 200, body: { user, tier, cached: !!cached, used: limit.count + 1, limit: DAILY_LIMIT } };
    });

    world.provide("redis.url", url);
    world.log.info({ port }, "demo shop: private redis-server started");
    world.onStop(async () => {
      clearInterval(traffic);
      shop.disconnect();
      child.kill("SIGTERM");
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => {
          child.kill("SIGKILL");
          resolve();
        }, 3000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
      process.off("exit", killOnExit);
    });
  },
};
