import fs from "node:fs";
import path from "node:path";
import type { Log } from "../log.server";
import { metrics } from "../metrics.server";
import type { Portal } from "../portal.server";
import { useAuditKey, type AuditEntry } from "./chain.server";
import { checkpointSettings, signCheckpoint, type Checkpoint, type CheckpointSettings } from "./checkpoints.server";

/**
 * Group commit for signed checkpoints. Each caller asks for its entry to be covered; while one
 * checkpoint is being written (appended and fsynced), the entries that arrive meanwhile wait and
 * are covered together by the next one. One write per batch, not per entry.
 */
/** How often at most the published head is logged while it keeps moving. */
const PUBLISH_EVERY_MS = 60_000;

export class CheckpointWriter {
  private covered = 0;
  /** The newest checkpoint this process knows of (written or found at start): what it publishes. */
  private newest: Checkpoint | null = null;
  private logged: { seq: number; at: number } = { seq: -1, at: 0 };
  private publishTimer: NodeJS.Timeout | null = null;
  private highest: { seq: number; hash: string } | null = null;
  private waiters: { seq: number; resolve(): void; reject(err: unknown): void }[] = [];
  private writing = false;
  private fd: number | null = null;

  constructor(
    readonly settings: CheckpointSettings,
    private readonly log?: Log,
  ) {}

  /** The newest checkpoint in the file at start already covers up to here. */
  alreadyCovered(cp: Checkpoint): void {
    this.covered = Math.max(this.covered, cp.seq);
    if (!this.newest || cp.seq > this.newest.seq) this.newest = cp;
  }

  /**
   * The newest checkpoint's head, published outside the database so an outside system can pin it:
   * the gauge opsdeck_audit_head_seq on /metrics, and a log line (at start, then at most once a
   * minute while the head moves, with the hash).
   */
  publish(): void {
    const cp = this.newest;
    if (!cp) return;
    metrics().auditHeadSeq.set(cp.seq);
    if (!this.log || cp.seq === this.logged.seq) return;
    const wait = this.logged.at + PUBLISH_EVERY_MS - Date.now();
    if (wait > 0) {
      this.publishTimer ??= setTimeout(() => {
        this.publishTimer = null;
        this.publish();
      }, wait).unref();
      return;
    }
    this.logged = { seq: cp.seq, at: Date.now() };
    this.log.info({ auditHead: { seq: cp.seq, hash: cp.hash, at: new Date(cp.at).toISOString(), mac: cp.mac } }, "audit head signed");
  }

  /** Resolves once a signed checkpoint at or beyond this entry is on disk. No key: nothing to sign. */
  cover(entry: Pick<AuditEntry, "seq" | "hash">): Promise<void> {
    if (!this.settings.key || entry.seq <= this.covered) return Promise.resolve();
    if (!this.highest || entry.seq > this.highest.seq) this.highest = { seq: entry.seq, hash: entry.hash };
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ seq: entry.seq, resolve, reject }));
    if (!this.writing) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiters.length) {
        const batch = this.waiters;
        this.waiters = [];
        const top = this.highest!;
        try {
          const cp = signCheckpoint(this.settings.key!, top.seq, top.hash, Date.now());
          await this.write(cp);
          this.covered = Math.max(this.covered, top.seq);
          if (!this.newest || cp.seq > this.newest.seq) this.newest = cp;
          this.publish();
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(cp: Checkpoint): Promise<void> {
    if (this.fd === null) {
      fs.mkdirSync(path.dirname(this.settings.file), { recursive: true });
      this.fd = fs.openSync(this.settings.file, "a", 0o600);
    }
    const fd = this.fd;
    await new Promise<void>((resolve, reject) => fs.write(fd, JSON.stringify(cp) + "\n", null, "utf8", (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.publishTimer = null;
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

const writers = new WeakMap<object, CheckpointWriter>();

/** Sets up the portal's writer at start, with the environment the portal was booted with (OPSDECK_AUDIT_KEY). */
export function initCheckpointWriter(portal: { config: Pick<Portal["config"], "audit">; dataDir: string; store: Portal["store"] }, env: Record<string, string | undefined>, log?: Log): CheckpointWriter {
  writers.get(portal.store)?.close();
  const w = new CheckpointWriter(checkpointSettings({ config: portal.config, dataDir: portal.dataDir, env, create: true }), log);
  writers.set(portal.store, w);
  // Entries appended through this store from now on carry a MAC with the key derived from it.
  useAuditKey(portal.store, w.settings.key);
  return w;
}

/** This portal's writer (the key file is generated on first use when no key is configured). */
export function checkpointWriter(portal: Pick<Portal, "config" | "dataDir" | "store">): CheckpointWriter {
  return writers.get(portal.store) ?? initCheckpointWriter(portal, process.env);
}

export function coverWithCheckpoint(portal: Pick<Portal, "config" | "dataDir" | "store">, entry: Pick<AuditEntry, "seq" | "hash">): Promise<void> {
  return checkpointWriter(portal).cover(entry);
}

export function closeCheckpointWriter(portal: Pick<Portal, "store">): void {
  writers.get(portal.store)?.close();
  writers.delete(portal.store);
}
