import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { PortalConfig } from "../config.server";
import type { Store } from "../db/store.server";
import { auditHead, entryMacKey, entryMacMatches, verifyChainRows, type ChainProblem } from "./chain.server";

/**
 * Signed checkpoints: every so often the chain head (seq, hash) is appended to a file outside the
 * database with an HMAC whose key is not in the database either. Someone who can rewrite the
 * database can cut entries off the end (or rehash the whole chain), but cannot forge a checkpoint.
 */
export interface CheckpointSettings {
  file: string;
  key: Buffer | null;
  keySource: "config" | "env" | "file" | "none";
}

export interface Checkpoint {
  seq: number;
  hash: string;
  at: number;
  mac: string;
}

export const KEY_FILE_NAME = "audit-checkpoint.key";
/** The audit entry an admin's `--accept-audit-gap "reason"` writes; MAC checks restart after it (the key may have been replaced). */
export const AUDIT_GAP_ACTION = "portal.audit-gap-accepted";

export function checkpointSettings(options: {
  config: Pick<PortalConfig, "audit">;
  dataDir: string;
  env?: Record<string, string | undefined>;
  /** Generate the key file when there is no key yet (the server); verification never creates one. */
  create?: boolean;
}): CheckpointSettings {
  const env: Record<string, string | undefined> = options.env ?? process.env;
  const file = path.resolve(options.config.audit.checkpointFile ?? path.join(options.dataDir, "audit-checkpoints.ndjson"));
  if (options.config.audit.checkpointKey) return { file, key: Buffer.from(options.config.audit.checkpointKey), keySource: "config" };
  if (env.OPSDECK_AUDIT_KEY) return { file, key: Buffer.from(env.OPSDECK_AUDIT_KEY), keySource: "env" };
  const keyFile = path.join(options.dataDir, KEY_FILE_NAME);
  if (options.create) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    try {
      fs.writeFileSync(keyFile, crypto.randomBytes(32).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  try {
    const text = fs.readFileSync(keyFile, "utf8").trim();
    if (text) return { file, key: Buffer.from(text), keySource: "file" };
  } catch {
    /* no key file */
  }
  return { file, key: null, keySource: "none" };
}

function mac(key: Buffer, seq: number, hash: string, at: number): string {
  return crypto.createHmac("sha256", key).update(`opsdeck-audit-checkpoint|${seq}|${hash}|${at}`).digest("hex");
}

/** A signed checkpoint of the entry (seq, hash). */
export function signCheckpoint(key: Buffer, seq: number, hash: string, at: number): Checkpoint {
  return { seq, hash, at, mac: mac(key, seq, hash, at) };
}

function lastLine(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString("utf8").split("\n").filter(Boolean);
    return lines.at(-1) ?? null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Appends a signed checkpoint of the current head, unless the head has not moved since the last one. */
export async function writeCheckpoint(store: Store, settings: CheckpointSettings): Promise<Checkpoint | null> {
  if (!settings.key) return null;
  const head = await auditHead(store);
  if (head.seq === 0) return null;
  const last = lastLine(settings.file);
  if (last) {
    try {
      const prev = JSON.parse(last) as Checkpoint;
      if (prev.seq === head.seq && prev.hash === head.hash) return null;
    } catch {
      /* a damaged last line: write a fresh checkpoint after it */
    }
  }
  const cp = signCheckpoint(settings.key, head.seq, head.hash, Date.now());
  fs.mkdirSync(path.dirname(settings.file), { recursive: true });
  fs.appendFileSync(settings.file, JSON.stringify(cp) + "\n", { mode: 0o600 });
  return cp;
}

export function readCheckpoints(settings: CheckpointSettings): { checkpoints: Checkpoint[]; problems: string[]; missing: boolean } {
  let text: string;
  try {
    text = fs.readFileSync(settings.file, "utf8");
  } catch {
    return { checkpoints: [], problems: [], missing: true };
  }
  const checkpoints: Checkpoint[] = [];
  const problems: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    if (!settings.key) {
      problems.push(`checkpoints in ${settings.file} cannot be checked: no checkpoint key (audit.checkpointKey, OPSDECK_AUDIT_KEY or ${KEY_FILE_NAME})`);
      break;
    }
    let cp: Checkpoint;
    try {
      cp = JSON.parse(line);
    } catch {
      problems.push(`checkpoint file line ${i + 1} is not valid JSON`);
      continue;
    }
    const expected = mac(settings.key, Number(cp.seq), String(cp.hash), Number(cp.at));
    const given = Buffer.from(String(cp.mac ?? ""), "hex");
    if (given.length !== 32 || !crypto.timingSafeEqual(given, Buffer.from(expected, "hex"))) {
      problems.push(`checkpoint file line ${i + 1} has an invalid signature (the checkpoint file was altered, or the key changed)`);
      continue;
    }
    checkpoints.push({ ...cp, seq: Number(cp.seq), at: Number(cp.at) });
  }
  return { checkpoints, problems, missing: false };
}

export interface VerifyReport {
  ok: boolean;
  checked: number;
  head: { seq: number; hash: string };
  checkpoints: number;
  /** The first bad entry in the chain, if any. */
  problem: ChainProblem | null;
  /** Checkpoint findings: truncation, rewritten history, damaged checkpoint file. */
  checkpointProblems: string[];
  seconds: number;
}

/** The newest accepted gap whose own MAC verifies: entries before it may carry MACs of a key that was replaced then. */
export async function macEpochStart(store: Store, macKey: Buffer): Promise<number> {
  const gaps = await store.db.selectFrom("audit_entries").select(["seq", "hash", "mac"]).where("action", "=", AUDIT_GAP_ACTION).orderBy("seq", "desc").limit(20).execute();
  const valid = gaps.find((g) => entryMacMatches(macKey, g.hash, g.mac));
  return valid ? Number(valid.seq) : 0;
}

/** Verifies the chain, every entry's MAC and every signed checkpoint against it. */
export async function verifyAudit(store: Store, settings: CheckpointSettings): Promise<VerifyReport> {
  const t0 = performance.now();
  // Checkpoints first: each is written only after its entry committed, so none read now can name
  // an entry the walk below does not reach (no false "cut" while the portal keeps writing).
  const { checkpoints, problems, missing } = readCheckpoints(settings);
  const checkpointProblems = [...problems];
  const macKey = settings.key ? entryMacKey(settings.key) : null;
  const newest = checkpoints.reduce((m, c) => Math.max(m, c.seq), 0);
  // MACs are checked on the entries the newest signed checkpoint does not cover. The entries it
  // covers are vouched for by its signature over the head hash, which the hash chain ties to every
  // entry before it: a MAC there would add one HMAC per entry (it doubled a million-entry verify)
  // and no assurance. When a checkpoint disagrees with the log, the MACs are walked after all, to
  // name the first entry that was forged.
  const epochStart = macKey ? await macEpochStart(store, macKey) : 0;
  const policy = macKey ? { macKey, requiredAfter: newest, checkFrom: Math.max(epochStart, newest + 1) } : undefined;
  let chain = await verifyChainRows(store, policy);
  if (!settings.key && chain.head.seq > 0) {
    checkpointProblems.push(
      `no audit key (audit.checkpointKey, OPSDECK_AUDIT_KEY or ${KEY_FILE_NAME} in the data folder) although the log holds entries: ` +
        `neither the entries' MACs nor the signed checkpoints can be checked, so a forged or cut log would pass`,
    );
  }
  if (settings.key && chain.head.seq > 0 && (missing || checkpoints.length === 0)) {
    // The server signs a checkpoint before it answers for any entry, so a log with entries, a
    // key, and no checkpoints means the checkpoint file was deleted or emptied.
    checkpointProblems.push(
      missing
        ? `the checkpoint file ${settings.file} is missing although the checkpoint key exists (${settings.keySource}): it was deleted, so entries cut off the end could go unnoticed`
        : `the checkpoint file ${settings.file} holds no valid checkpoint although the key exists (${settings.keySource})`,
    );
  }
  if (checkpoints.length && !chain.problem) {
    // Compare each checkpoint with the entry it names (entries appended after the walk began
    // are still looked up, so a checkpoint written meanwhile is no false alarm).
    const seqs = [...new Set(checkpoints.map((c) => c.seq))];
    const hashes = new Map<number, string>();
    for (let i = 0; i < seqs.length; i += 500) {
      const rows = await store.db.selectFrom("audit_entries").select(["seq", "hash"]).where("seq", "in", seqs.slice(i, i + 500)).execute();
      for (const r of rows) hashes.set(Number(r.seq), r.hash);
    }
    const sorted = [...checkpoints].sort((a, b) => b.seq - a.seq);
    const lastPresent = Math.max(chain.head.seq, ...[...hashes.keys()]);
    const cut = sorted.find((c) => !hashes.has(c.seq));
    if (cut) {
      checkpointProblems.push(
        `the log ends at entry ${lastPresent} but a signed checkpoint from ${new Date(cut.at).toISOString()} saw entry ${cut.seq}: entries ${lastPresent + 1}–${cut.seq} were cut off the end`,
      );
    }
    const rewritten = [...checkpoints].sort((a, b) => a.seq - b.seq).find((c) => hashes.has(c.seq) && hashes.get(c.seq) !== c.hash);
    if (rewritten) checkpointProblems.push(`entry ${rewritten.seq} differs from the signed checkpoint of ${new Date(rewritten.at).toISOString()}: history was rewritten`);
    if ((cut || rewritten) && macKey) {
      // The signature no longer vouches for the prefix: check every MAC to name the forged entry.
      const located = await verifyChainRows(store, { macKey, requiredAfter: newest, checkFrom: epochStart });
      if (located.problem) chain = located;
    }
  }
  return {
    ok: !chain.problem && checkpointProblems.length === 0,
    checked: chain.checked,
    head: chain.head,
    checkpoints: checkpoints.length,
    problem: chain.problem,
    checkpointProblems,
    seconds: (performance.now() - t0) / 1000,
  };
}
