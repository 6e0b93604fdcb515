import { execFile } from "node:child_process";
import path from "node:path";
import pLimit from "p-limit";
import type { RunbookFile } from "./source.server";

export interface LastEdit {
  /** Epoch ms. */
  at: number;
  from: "git" | "mtime";
}

/**
 * What git says about one folder's files: each file's last commit and the files that differ from
 * HEAD. Two `git` runs per folder (not two per file: 2,000 runbooks were 2,000 processes), read
 * again when a file of the folder changed after the last read, and at most this long after it
 * (a commit does not touch the file).
 */
const TTL_MS = 10 * 60_000;
interface FolderLog {
  /** When the reading started (epoch ms): a file changed after it is not in it yet. */
  readAt: number;
  until: number;
  /** File name in the folder → its last commit time (epoch ms). */
  commits: Map<string, number>;
  /** File names in the folder whose working copy differs from HEAD. */
  dirty: Set<string>;
}
const folders = new Map<string, { log: FolderLog | null; reading: Promise<FolderLog> | null }>();
const gitLimit = pLimit(2);

function git(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    // A long history names many files: the log of a busy folder can be megabytes.
    execFile("git", ["-c", "core.quotePath=false", ...args], { cwd, timeout: 15_000, maxBuffer: 256 * 1024 * 1024, windowsHide: true }, (err, stdout) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, out: String(stdout ?? "") });
    });
  });
}

/** Files directly in the folder (git's names are relative to it with --relative; deeper ones have a slash). */
const ownFile = (name: string) => name.length > 0 && !name.includes("/");

async function readFolder(cwd: string): Promise<FolderLog> {
  const readAt = Date.now();
  const commits = new Map<string, number>();
  const dirty = new Set<string>();
  // Newest first: the first time a name appears is its last commit. Outside git this fails: no commits.
  const log = await gitLimit(() => git(["log", "--format=%x01%cI", "--name-only", "--relative", "--no-renames", "--", "."], cwd));
  if (log.code === 0) {
    let at = NaN;
    for (const line of log.out.split("\n")) {
      if (line.startsWith("\x01")) at = Date.parse(line.slice(1));
      else if (ownFile(line) && Number.isFinite(at) && !commits.has(line)) commits.set(line, at);
    }
    if (commits.size) {
      const diff = await gitLimit(() => git(["diff", "--name-only", "--relative", "HEAD", "--", "."], cwd));
      // git could not tell what differs: every file counts as edited since its commit.
      if (diff.code !== 0) for (const name of commits.keys()) dirty.add(name);
      else for (const line of diff.out.split("\n")) if (ownFile(line)) dirty.add(line);
    }
  }
  return { readAt, until: readAt + TTL_MS, commits, dirty };
}

function refreshFolder(cwd: string): Promise<FolderLog> {
  let state = folders.get(cwd);
  if (!state) folders.set(cwd, (state = { log: null, reading: null }));
  const s = state;
  s.reading ??= readFolder(cwd)
    .catch((): FolderLog => ({ readAt: Date.now(), until: Date.now() + TTL_MS, commits: new Map(), dirty: new Set() }))
    .then((log) => {
      s.log = log;
      s.reading = null;
      return log;
    });
  return s.reading;
}

/** The folder's reading, read again first when the file changed after it; an expired one answers at once and is refreshed in the background. */
async function folderLog(cwd: string, file: RunbookFile, now: number): Promise<FolderLog> {
  const state = folders.get(cwd);
  const log = state?.log;
  // A file dated in the future (clock skew) waits for the TTL instead of a reading per look.
  if (!log || (file.mtimeMs >= log.readAt && file.mtimeMs <= Date.now())) return state?.reading ?? refreshFolder(cwd);
  if (log.until <= now && !state.reading) void refreshFolder(cwd);
  return log;
}

/**
 * When the file was last edited: its last git commit (a checkout resets mtimes), unless the
 * working copy differs from that commit; the file's mtime when git has nothing to say. Never throws.
 */
export async function lastEdited(file: RunbookFile, now = Date.now()): Promise<LastEdit> {
  const mtime: LastEdit = { at: Math.round(file.mtimeMs), from: "mtime" };
  const name = path.basename(file.abs);
  const log = await folderLog(path.dirname(file.abs), file, now);
  const at = log.commits.get(name);
  if (at === undefined) return mtime;
  if (file.mtimeMs > at && log.dirty.has(name)) return mtime; // edited since the commit
  return { at, from: "git" };
}
