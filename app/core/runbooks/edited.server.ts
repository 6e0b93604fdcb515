import { execFile } from "node:child_process";
import path from "node:path";
import pLimit from "p-limit";
import type { RunbookFile } from "./source.server";

export interface LastEdit {
  /** Epoch ms. */
  at: number;
  from: "git" | "mtime";
}

/** Cached per file until it changes on disk, and at most this long (a commit does not touch the file). */
const TTL_MS = 10 * 60_000;
const cache = new Map<string, { key: string; until: number; edit: LastEdit }>();
const gitLimit = pLimit(2);

function git(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, timeout: 3000, windowsHide: true }, (err, stdout) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, out: String(stdout ?? "").trim() });
    });
  });
}

/**
 * When the file was last edited: its last git commit (a checkout resets mtimes), unless the
 * working copy differs from that commit; the file's mtime when git has nothing to say. Never throws.
 */
async function readLastEdit(file: RunbookFile): Promise<LastEdit> {
  const mtime: LastEdit = { at: Math.round(file.mtimeMs), from: "mtime" };
  const cwd = path.dirname(file.abs);
  const log = await git(["log", "-1", "--format=%cI", "--", path.basename(file.abs)], cwd);
  const at = log.code === 0 && log.out ? Date.parse(log.out) : NaN;
  if (!Number.isFinite(at)) return mtime;
  if (file.mtimeMs > at) {
    const diff = await git(["diff", "--quiet", "HEAD", "--", path.basename(file.abs)], cwd);
    if (diff.code !== 0) return mtime; // edited since the commit (or git could not tell)
  }
  return { at, from: "git" };
}

function refresh(file: RunbookFile, key: string, now: number): Promise<LastEdit> {
  return gitLimit(() => readLastEdit(file))
    .catch((): LastEdit => ({ at: Math.round(file.mtimeMs), from: "mtime" }))
    .then((edit) => {
      cache.set(file.abs, { key, until: now + TTL_MS, edit });
      return edit;
    });
}

/** Cached; an expired entry of an unchanged file is answered at once and refreshed in the background. */
export async function lastEdited(file: RunbookFile, now = Date.now()): Promise<LastEdit> {
  const key = `${file.mtimeMs}:${file.size}`;
  const hit = cache.get(file.abs);
  if (hit && hit.key === key) {
    if (hit.until <= now) {
      hit.until = now + TTL_MS; // one background refresh at a time
      void refresh(file, key, now);
    }
    return hit.edit;
  }
  return refresh(file, key, now);
}
