import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** The demo plugin's own sandbox: a JSON file whose changes the actions make and the probes read. */
export interface DemoState {
  caches: Record<string, { entries: number; flushes: number; flushedAt: string | null }>;
  keys: Record<string, { version: number; fingerprint: string; rotatedAt: string | null }>;
  queues: Record<string, { messages: number; purgedAt: string | null }>;
  indexes: Record<string, { documents: number; reindexedBatches: number; lastRunAt: string | null }>;
}

export const CACHES = ["sessions", "pricing", "search"] as const;
export const KEYS = ["api-signing", "webhook-signing"] as const;
export const QUEUES = ["email-outbox", "dead-letter"] as const;
export const INDEXES = ["orders", "customers"] as const;

export function fingerprint(secret: string): string {
  return crypto.createHash("sha256").update(secret).digest("hex").slice(0, 12);
}

function seed(): DemoState {
  return {
    caches: { sessions: { entries: 1240, flushes: 0, flushedAt: null }, pricing: { entries: 312, flushes: 0, flushedAt: null }, search: { entries: 8821, flushes: 0, flushedAt: null } },
    keys: {
      "api-signing": { version: 3, fingerprint: fingerprint("demo-api-signing-v3"), rotatedAt: null },
      "webhook-signing": { version: 1, fingerprint: fingerprint("demo-webhook-signing-v1"), rotatedAt: null },
    },
    queues: { "email-outbox": { messages: 87, purgedAt: null }, "dead-letter": { messages: 12, purgedAt: null } },
    indexes: { orders: { documents: 5400, reindexedBatches: 0, lastRunAt: null }, customers: { documents: 1900, reindexedBatches: 0, lastRunAt: null } },
  };
}

/** Serializes read-modify-write of the state file within this process; writes are atomic (rename). */
export class DemoStore {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!fs.existsSync(file)) this.write(seed());
  }

  read(): DemoState {
    return JSON.parse(fs.readFileSync(this.file, "utf8")) as DemoState;
  }

  private write(state: DemoState): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
    fs.renameSync(tmp, this.file);
  }

  update<T>(change: (state: DemoState) => T): Promise<T> {
    const next = this.chain.then(() => {
      const state = this.read();
      const out = change(state);
      this.write(state);
      return out;
    });
    this.chain = next.catch(() => {});
    return next;
  }
}
