import fs from "node:fs";
import os from "node:os";
import type { PortalConfig } from "../config.server";
import type { Store } from "../db/store.server";
import type { Log } from "../log.server";
import { appendAudit, auditHead, entryMacKey, walk } from "./chain.server";
import { initCheckpointWriter, type CheckpointWriter } from "./checkpoint-writer.server";
import { AUDIT_GAP_ACTION, checkpointSettings, KEY_FILE_NAME, macEpochStart, readCheckpoints, type Checkpoint } from "./checkpoints.server";

/** The portal will not start on an audit log whose end cannot be vouched for. */
export class AuditGapError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `the audit log cannot be vouched for:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        `Nothing was changed. If you know why (a restored backup, a lost key, a new instance joining a shared store), ` +
        `start once with --accept-audit-gap "reason" (or OPSDECK_ACCEPT_AUDIT_GAP="reason"): the acceptance, its reason ` +
        `and what was missing become an audit entry, and a new signed checkpoint covers it.`,
    );
    this.name = "AuditGapError";
  }
}

export interface AuditStartOptions {
  store: Store;
  config: Pick<PortalConfig, "audit">;
  dataDir: string;
  env: Record<string, string | undefined>;
  log: Log;
  /** The admin's reason to start over a gap (--accept-audit-gap / OPSDECK_ACCEPT_AUDIT_GAP). */
  acceptGap?: string;
}

export interface AuditStartFindings {
  problems: string[];
  entries: number;
  newest: Checkpoint | null;
}

/**
 * What the start sees of the log's end, before anything writes to it: the newest signed
 * checkpoint must name an entry that is still there with the same hash; entries after it (a crash
 * between write and checkpoint) must carry valid MACs; with entries in the log, the key and the
 * checkpoint file must exist. Cheap: only the tail after the newest checkpoint is walked.
 */
export async function inspectAuditAtStart(options: Pick<AuditStartOptions, "store" | "config" | "dataDir" | "env">): Promise<AuditStartFindings> {
  const { store } = options;
  const settings = checkpointSettings({ config: options.config, dataDir: options.dataDir, env: options.env });
  // Checkpoints before the head: a checkpoint is written only after its entry committed.
  const read = readCheckpoints(settings);
  const head = await auditHead(store);
  const problems = [...read.problems];
  const keyWhere = `audit.checkpointKey, OPSDECK_AUDIT_KEY or ${settings.file.replace(/[^/]+$/, KEY_FILE_NAME)}`;
  if (!settings.key) {
    if (head.seq > 0) problems.push(`the audit key is missing (${keyWhere}) while the log holds ${head.seq} entries: it was deleted or not configured`);
    return { problems, entries: head.seq, newest: null };
  }
  const newest = read.checkpoints.reduce<Checkpoint | null>((m, c) => (!m || c.seq > m.seq ? c : m), null);
  if (!newest) {
    if (head.seq > 0) {
      problems.push(
        read.missing
          ? `the checkpoint file ${settings.file} is missing while the log holds ${head.seq} entries: it was deleted, so entries cut off the end would go unnoticed`
          : `the checkpoint file ${settings.file} holds no valid checkpoint while the log holds ${head.seq} entries`,
      );
    }
    return { problems, entries: head.seq, newest: null };
  }
  const named = await store.db.selectFrom("audit_entries").select(["seq", "hash"]).where("seq", "=", newest.seq).executeTakeFirst();
  if (!named) {
    problems.push(
      `the newest signed checkpoint (${new Date(newest.at).toISOString()}) names entry ${newest.seq}, but the log ends at entry ${head.seq}: ` +
        `entries ${head.seq + 1}–${newest.seq} were cut off the end`,
    );
  } else if (named.hash !== newest.hash) {
    problems.push(`entry ${newest.seq} differs from the newest signed checkpoint (${new Date(newest.at).toISOString()}): history was rewritten`);
  } else if (head.seq > newest.seq) {
    const macKey = entryMacKey(settings.key);
    const tail = await walk(store, newest.seq, newest.hash, head.seq, { macKey, requiredAfter: newest.seq, checkFrom: await macEpochStart(store, macKey) });
    if (tail.problem) problems.push(`after the newest signed checkpoint (entry ${newest.seq}): ${tail.problem.problem}`);
  }
  return { problems, entries: head.seq, newest };
}

/**
 * Runs at every start (server and CLIs) before anything is audited: refuses a log whose end cannot
 * be vouched for unless an admin accepts the gap, then sets up the key (generated on a fresh
 * install), the per-entry MACs and the checkpoint writer, and covers the head with a checkpoint.
 */
export async function startAuditLog(options: AuditStartOptions): Promise<CheckpointWriter> {
  const { store, log } = options;
  const found = await inspectAuditAtStart(options);
  const reason = options.acceptGap?.trim();
  if (found.problems.length && !reason) throw new AuditGapError(found.problems);

  let setAside: string | null = null;
  if (found.problems.length) {
    // The old file names entries that are gone or were signed with a lost key: kept as evidence,
    // out of the way of the checkpoints that vouch for the log from now on.
    const file = checkpointSettings({ config: options.config, dataDir: options.dataDir, env: options.env }).file;
    if (fs.existsSync(file)) {
      setAside = `${file}.gap-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      fs.renameSync(file, setAside);
    }
  }
  const writer = initCheckpointWriter({ config: options.config, dataDir: options.dataDir, store }, options.env, log);
  if (found.newest && !found.problems.length) writer.alreadyCovered(found.newest);

  if (found.problems.length) {
    let operator = "unknown";
    try {
      operator = os.userInfo().username;
    } catch {
      /* no passwd entry */
    }
    const entry = await appendAudit(store, {
      actor: `operator:${operator}`,
      roles: [],
      action: AUDIT_GAP_ACTION,
      target: `audit:${store.location.replace(/\/\/[^@/]*@/, "//")}`,
      outcome: "succeeded",
      details: {
        reason: reason!.slice(0, 1000),
        problems: found.problems,
        entriesBefore: found.entries,
        newestCheckpointBefore: found.newest ? { seq: found.newest.seq, hash: found.newest.hash, at: new Date(found.newest.at).toISOString() } : null,
        checkpointFileSetAside: setAside,
        keySource: writer.settings.keySource,
      },
    });
    await writer.cover(entry);
    log.warn({ reason, problems: found.problems, seq: entry.seq, setAside }, "audit gap accepted by an admin: recorded in the audit log and covered by a new signed checkpoint");
  } else {
    const head = await auditHead(store);
    if (head.seq > 0) await writer.cover(head);
  }
  writer.publish();
  return writer;
}
