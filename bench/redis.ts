// Redis plugin figures, against the real Redis on 127.0.0.1:6379 in database 14 (flushed before
// and after; OPSDECK_BENCH_REDIS overrides the URL).
//
// redis_keys_probe_100k_ms      one redis.keys-<name> + redis.ttl-<name> read over 100,000 matching keys
//                               (SCAN COUNT 1000, TTL checked on the default sample of 20,000)
// redis_delete_keys_50k_per_s   keys per second deleted by one redis.delete-keys run of 50,000
//                               previewed keys (UNLINK batches of 500), the preview not counted
// redis_delete_keys_preview_50k_ms  the preview of those 50,000 keys (SCAN + storing the set in SQLite)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pino from "pino";
import redisPlugin from "../plugins/redis";
import { migrate, openStore } from "../app/core/db/store.server";

const URL = process.env.OPSDECK_BENCH_REDIS ?? "redis://127.0.0.1:6379/14";
const log = pino({ level: "silent" });

async function fill(r: Redis, prefix: string, n: number) {
  for (let i = 0; i < n; i += 5000) {
    const p = r.pipeline();
    for (let j = i; j < Math.min(n, i + 5000); j++) p.set(`${prefix}${j}`, "1", "EX", 3600);
    await p.exec();
  }
}

export async function run(): Promise<Record<string, number>> {
  const r = new Redis(URL, { maxRetriesPerRequest: 1 });
  await r.flushdb();
  const config = redisPlugin.config.parse({
    url: URL,
    keyPatterns: { "rate-limit": { pattern: "rate_limit:*", ttl: { max: "24h" } }, analytics: { pattern: "analytics:*" } },
    timeouts: { scan: "60s", probe: "120s", command: "10s" },
  });
  // The previewed set goes to the portal's store, as in the portal: a SQLite file here.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-redis-"));
  const store = await openStore(path.join(dir, "bench.sqlite"));
  await migrate(store, [redisPlugin]);
  const instance = await redisPlugin.setup({ config, log, deps: {}, demo: false, dataDir: dir, database: { dialect: "sqlite", db: store.db } });
  const ctx = { signal: new AbortController().signal, log, now: () => new Date() };
  try {
    await fill(r, "rate_limit:bench_", 100_000);
    const count = instance.probes!.find((p) => p.id === "keys-rate-limit")!;
    const ttl = instance.probes!.find((p) => p.id === "ttl-rate-limit")!;
    const t0 = performance.now();
    const [c] = await Promise.all([count.read(ctx), ttl.read(ctx)]);
    const probeMs = performance.now() - t0;
    if (c.value !== 100_000) throw new Error(`counted ${c.value}, expected 100000`);

    await fill(r, "analytics:bench_", 50_000);
    const del = instance.actions!.find((a) => a.id === "delete-keys")!;
    const t1 = performance.now();
    const preview = await del.preview!({ pattern: "analytics:*" }, { signal: ctx.signal, actor: { username: "bench", roles: ["admin"] } });
    const previewMs = performance.now() - t1;
    const t2 = performance.now();
    const result = await del.run(
      { pattern: "analytics:*", precondition: preview.precondition },
      { runId: "bench", actor: { username: "bench", roles: ["admin"] }, idempotencyKey: "bench", signal: ctx.signal, log() {}, progress() {} },
    );
    const runMs = performance.now() - t2;
    if ((result.data as { deleted: number }).deleted !== 50_000) throw new Error(`deleted ${JSON.stringify(result.data)}`);
    return {
      redis_keys_probe_100k_ms: Math.round(probeMs),
      redis_delete_keys_50k_per_s: Math.round(50_000 / (runMs / 1000)),
      redis_delete_keys_preview_50k_ms: Math.round(previewMs),
    };
  } finally {
    await instance.stop?.();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await r.flushdb();
    r.disconnect();
  }
}
