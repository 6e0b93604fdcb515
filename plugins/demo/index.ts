import crypto from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { action, ActionInputError, definePlugin, provide, probe, secret } from "../plugin-api";
import { sandboxesRef, type SandboxService } from "./api";
import { DemoConfigSchema, type DemoConfig } from "./config";
import { syncShopWebhookSecret } from "./shop-secret";
import { CACHES, DemoStore, fingerprint, INDEXES, KEYS, QUEUES } from "./state";

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Harmless actions at every risk level against the plugin's own sandbox file, so the guard
 * pipeline (confirmation, approval, lock, rate limit, cancel, audit) can be tried anywhere.
 */
export default definePlugin<DemoConfig>({
  id: "demo",
  title: "Demo sandbox",
  description: "Harmless actions on a local sandbox: flush a cache (low), rotate a key (high), purge a queue (critical), reindex (long, cancellable).",
  config: DemoConfigSchema,
  async demo({ dataDir }) {
    return { config: { stateFile: path.join(dataDir, "state.json") }, stop: async () => {} };
  },
  provides: [sandboxesRef],
  setup({ config, world }) {
    const store = new DemoStore(config.stateFile);

    const cacheEntries = probe({
      id: "cache-entries",
      title: "Demo cache entries",
      unit: "entries",
      every: "30s",
      async read() {
        const s = store.read();
        const total = Object.values(s.caches).reduce((n, c) => n + c.entries, 0);
        return { value: total, summary: `${total} entries across ${CACHES.length} caches`, rows: Object.entries(s.caches).map(([cache, c]) => ({ cache, ...c })) };
      },
    });
    const queueDepth = probe({
      id: "queue-depth",
      title: "Demo queue depth",
      unit: "messages",
      every: "30s",
      thresholds: { warn: "> 0", critical: "> 50" },
      async read() {
        const s = store.read();
        const total = Object.values(s.queues).reduce((n, q) => n + q.messages, 0);
        return { value: total, summary: `${total} messages waiting`, rows: Object.entries(s.queues).map(([queue, q]) => ({ queue, ...q })) };
      },
    });

    const flushCache = action({
      id: "flush-cache",
      title: "Flush a demo cache",
      description: "Drops every entry of one cache in the demo sandbox.",
      risk: "low",
      input: z.object({ cache: z.enum(CACHES).describe("Which cache") }),
      target: (i) => `cache:${i.cache}`,
      async preview(i) {
        const c = store.read().caches[i.cache];
        return { summary: `Drops ${c.entries} entries from the ${i.cache} cache`, count: c.entries, before: { entries: c.entries }, after: { entries: 0 } };
      },
      async run(i, ctx) {
        ctx.log(`flushing the ${i.cache} cache`);
        const dropped = await store.update((s) => {
          const n = s.caches[i.cache].entries;
          s.caches[i.cache] = { entries: 0, flushes: s.caches[i.cache].flushes + 1, flushedAt: new Date().toISOString() };
          return n;
        });
        ctx.log(`dropped ${dropped} entries`);
        return { summary: `Flushed ${i.cache}: ${dropped} entries dropped` };
      },
    });

    const rotateKey = action({
      id: "rotate-key",
      title: "Rotate a demo signing key",
      description: "Issues a new version of a signing key in the demo sandbox; the old one stops working.",
      risk: "high",
      rateLimit: { max: 3, per: "10m" },
      input: z.object({
        keyName: z.enum(KEYS).describe("Key to rotate"),
        newSecret: secret(z.string().min(12, "at least 12 characters")).optional().describe("New secret (leave empty to generate one)"),
      }),
      target: (i) => i.keyName,
      async preview(i) {
        const k = store.read().keys[i.keyName];
        if (i.newSecret && fingerprint(i.newSecret) === k.fingerprint) {
          throw new ActionInputError(`${i.keyName} already uses this secret: a rotation must issue a new one`, { newSecret: ["this is the current secret; give a new one or leave it empty"] });
        }
        return { summary: `${i.keyName} goes from version ${k.version} to ${k.version + 1}; clients holding version ${k.version} must refresh`, count: 1, before: { version: k.version, fingerprint: k.fingerprint }, after: { version: k.version + 1 } };
      },
      async run(i, ctx) {
        const value = i.newSecret ?? crypto.randomBytes(24).toString("base64url");
        ctx.log(`rotating ${i.keyName}`);
        const k = await store.update((s) => {
          const next = { version: s.keys[i.keyName].version + 1, fingerprint: fingerprint(value), rotatedAt: new Date().toISOString() };
          s.keys[i.keyName] = next;
          return next;
        });
        ctx.log(`${i.keyName} is now version ${k.version} (fingerprint ${k.fingerprint})`);
        return { summary: `${i.keyName} rotated to version ${k.version}`, data: { version: k.version, fingerprint: k.fingerprint } };
      },
    });

    const purgeQueue = action({
      id: "purge-queue",
      title: "Purge a demo queue",
      description: "Deletes every message waiting in one queue of the demo sandbox. Irreversible.",
      risk: "critical",
      input: z.object({ queue: z.enum(QUEUES).describe("Queue to purge") }),
      target: (i) => i.queue,
      async preview(i) {
        const q = store.read().queues[i.queue];
        return { summary: `Deletes ${q.messages} messages from ${i.queue}; they cannot be recovered`, count: q.messages, before: { messages: q.messages }, after: { messages: 0 } };
      },
      async run(i, ctx) {
        const n = await store.update((s) => {
          const before = s.queues[i.queue].messages;
          s.queues[i.queue] = { messages: 0, purgedAt: new Date().toISOString() };
          return before;
        });
        ctx.log(`deleted ${n} messages from ${i.queue}`);
        return { summary: `Purged ${i.queue}: ${n} messages deleted` };
      },
    });

    const reindex = action({
      id: "reindex",
      title: "Reindex a demo search index",
      description: "Rebuilds an index batch by batch; long-running, reports progress, can be cancelled.",
      risk: "low",
      cancellable: true,
      timeout: "15m",
      input: z.object({
        index: z.enum(INDEXES).default("orders").describe("Index"),
        batches: z.number().int().min(1).max(600).default(20).describe("Batches"),
        delayMs: z.number().int().min(10).max(5000).default(300).describe("Pause per batch (ms)"),
      }),
      target: (i) => `index:${i.index}`,
      async preview(i) {
        const ix = store.read().indexes[i.index];
        return { summary: `Rebuilds ${ix.documents} documents of ${i.index} in ${i.batches} batches (about ${Math.ceil((i.batches * i.delayMs) / 1000)}s)`, count: ix.documents };
      },
      async run(i, ctx) {
        ctx.progress(0, i.batches);
        for (let b = 1; b <= i.batches; b++) {
          await sleep(i.delayMs, ctx.signal);
          await store.update((s) => {
            s.indexes[i.index].reindexedBatches += 1;
            s.indexes[i.index].lastRunAt = new Date().toISOString();
          });
          ctx.log(`batch ${b}/${i.batches} indexed`);
          ctx.progress(b, i.batches);
        }
        return { summary: `Reindexed ${i.index} in ${i.batches} batches` };
      },
    });

    // In demo mode the plugin also acts on the demo world (the shop) and lists its sandboxes.
    const worldActions = world?.get("shop.stripe") ? [syncShopWebhookSecret(world)] : [];
    const sandboxes = world?.get<{ list(): unknown[] }>("sandboxes");
    return {
      probes: [cacheEntries, queueDepth],
      actions: [flushCache, rotateKey, purgeQueue, reindex, ...worldActions],
      provides: sandboxes ? provide(sandboxesRef, { shopUrl: world!.shopUrl, list: () => sandboxes.list() as ReturnType<SandboxService["list"]> }) : {},
    };
  },
});
