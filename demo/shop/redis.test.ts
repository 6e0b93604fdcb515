import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import redisPlugin from "../../plugins/redis";
import { startDemoWorld } from "../index";
import { redisShop } from "./redis";

const log = pino({ level: "silent" });
const hasRedisServer = (() => {
  try {
    return fs.existsSync("/usr/bin/redis-server") || fs.existsSync("/usr/local/bin/redis-server");
  } catch {
    return false;
  }
})();

describe.skipIf(!hasRedisServer)("demo shop's private redis-server", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-redis-demo-"));
  let world: Awaited<ReturnType<typeof startDemoWorld>>;
  let r: Redis;
  let url: string;

  beforeAll(async () => {
    world = await startDemoWorld({ dataDir: dir, log, portalUrl: "http://127.0.0.1:1" });
    url = world.world.get<string>("redis.url")!;
    r = new Redis(url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    r?.disconnect();
    await world?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs on its own loopback port, never 6379, without persistence, inside the world's folder", async () => {
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+\/0$/);
    expect(url).not.toContain(":6379/");
    expect(await r.config("GET", "save")).toEqual(["save", ""]);
    expect(await r.config("GET", "appendonly")).toEqual(["appendonly", "no"]);
    expect(((await r.config("GET", "dir")) as string[])[1]).toBe(fs.realpathSync(path.join(dir, "redis")));
  });

  it("holds the shop's story: user_123 blocked by a rate-limit key without TTL, keys with their TTLs", async () => {
    expect(await r.get("rate_limit:user_123:daily")).toBe("1000");
    expect(await r.ttl("rate_limit:user_123:daily")).toBe(-1);
    const tierTtl = await r.ttl("user_tier:user_100");
    expect(tierTtl).toBeGreaterThan(0);
    expect(tierTtl).toBeLessThanOrEqual(300);
    expect(await r.ttl("idempotency:evt_demo_0000")).toBeGreaterThan(47 * 3600);
    const blocked = await fetch(`${world.world.shopUrl}/api/account/user_123`);
    expect(blocked.status).toBe(429);
    const fine = await fetch(`${world.world.shopUrl}/api/account/user_105`);
    expect(fine.status).toBe(200);
    expect(await fine.json()).toMatchObject({ user: "user_105", cached: true });
    await r.del("rate_limit:user_123:daily");
    expect((await fetch(`${world.world.shopUrl}/api/account/user_123`)).status).toBe(200);
  });

  it("hands the URL to the redis plugin's demo config, whose probes read it", async () => {
    const demo = await redisPlugin.demo!({ dataDir: dir, log, world: world.world });
    const config = redisPlugin.config.parse(demo.config);
    expect(config.url).toBe(url);
    const instance = await redisPlugin.setup({ config, log, deps: {}, demo: true, dataDir: dir, world: world.world });
    try {
      const count = instance.probes!.find((p) => p.id === "keys-analytics")!;
      const reading = await count.read({ signal: new AbortController().signal, log, now: () => new Date() });
      expect(reading.value).toBeGreaterThanOrEqual(2400);
    } finally {
      await instance.stop?.();
    }
  });

  it("stops the server with the world", async () => {
    const pid = Number(fs.readFileSync(path.join(dir, "redis", "redis.pid"), "utf8"));
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
    r.disconnect();
    await world.stop();
    world = undefined as never;
    expect(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ")).toBe(false);
  });
});

describe.skipIf(!hasRedisServer)("demo redis-server after the portal is killed", () => {
  it("stops with it: the watchdog sees the portal gone", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-redis-kill-"));
    const script = `import { startDemoWorld } from ${JSON.stringify(path.resolve(__dirname, "../index.ts"))};
      const log = { debug() {}, info() {}, warn() {}, error() {} };
      await startDemoWorld({ dataDir: ${JSON.stringify(dir)}, log, portalUrl: "http://127.0.0.1:1" });
      console.log("ready");
      setInterval(() => {}, 1000);`;
    const file = path.join(dir, "portal.mts");
    fs.writeFileSync(file, script);
    // node itself with tsx's loader (the tsx CLI would put a second process in between)
    const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: path.resolve(__dirname, "../.."), stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("the demo world did not start")), 30_000);
        child.stdout!.on("data", (b: Buffer) => b.toString().includes("ready") && (clearTimeout(t), resolve()));
      });
      const pid = Number(fs.readFileSync(path.join(dir, "redis", "redis.pid"), "utf8"));
      expect(alive(pid)).toBe(true);
      child.kill("SIGKILL");
      const deadline = Date.now() + 5000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive(pid)).toBe(false);
    } finally {
      child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function alive(pid: number): boolean {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

describe("demo without redis-server", () => {
  it("registers the plugin and every probe says how to enable it", async () => {
    const handles = new Map<string, unknown>([["redis.unavailable", "redis-server is not installed, so the demo shop has no Redis: run `apt-get install redis-server` (Debian/Ubuntu) and restart Opsdeck"]]);
    const world = { get: <T>(n: string) => handles.get(n) as T | undefined } as never;
    const demo = await redisPlugin.demo!({ dataDir: "/tmp", log, world });
    const config = redisPlugin.config.parse(demo.config);
    expect(config.url).toContain(".invalid");
    const instance = await redisPlugin.setup({ config, log, deps: {}, demo: true, dataDir: "/tmp", world });
    expect(instance.probes!.map((p) => p.id)).toContain("ttl-rate-limit");
    for (const p of instance.probes!) {
      await expect(p.read({ signal: new AbortController().signal, log, now: () => new Date() })).rejects.toThrow(/apt-get install redis-server/);
    }
    expect(redisShop.id).toBe("redis");
  });
});
