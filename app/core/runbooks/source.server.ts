import fs from "node:fs";
import path from "node:path";

export interface RunbookFile {
  /** Posix path under the runbooks folder, with `.md`. */
  file: string;
  /** Page path: `file` without `.md`. */
  path: string;
  abs: string;
  mtimeMs: number;
  size: number;
}

const IGNORED_DIRS = new Set(["node_modules", ".git"]);

/** The demo's runbooks (runbooks/examples) are served only as a folder of their own, never inside the team's. */
export const EXAMPLES_MARKER = ".opsdeck-examples";
const isExamplesFolder = (abs: string) => fs.existsSync(path.join(abs, EXAMPLES_MARKER));

/** Every `*.md` under the folder (subfolders included; dot files and symlinks skipped). */
export function scanRunbooks(dir: string): RunbookFile[] {
  const out: RunbookFile[] = [];
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!IGNORED_DIRS.has(e.name) && !isExamplesFolder(path.join(dir, childRel))) walk(childRel);
      } else if (e.isFile() && /\.md$/i.test(e.name)) {
        const abs = path.join(dir, childRel);
        const st = fs.statSync(abs);
        out.push({ file: childRel, path: childRel.replace(/\.md$/i, ""), abs, mtimeMs: st.mtimeMs, size: st.size });
      }
    }
  };
  walk("");
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * scanRunbooks without blocking: the same files, read with a few directory reads and stats at a
 * time, so a rescan of thousands of runbooks leaves requests answered meanwhile.
 */
export async function scanRunbooksAsync(dir: string): Promise<RunbookFile[]> {
  const out: RunbookFile[] = [];
  const exists = (abs: string) => fs.promises.access(abs).then(() => true, () => false);
  const walk = async (rel: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    const subdirs: string[] = [];
    const files: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!IGNORED_DIRS.has(e.name)) subdirs.push(childRel);
      } else if (e.isFile() && /\.md$/i.test(e.name)) files.push(childRel);
    }
    for (let i = 0; i < files.length; i += 32) {
      await Promise.all(
        files.slice(i, i + 32).map(async (childRel) => {
          const abs = path.join(dir, childRel);
          const st = await fs.promises.stat(abs).catch(() => null);
          if (st) out.push({ file: childRel, path: childRel.replace(/\.md$/i, ""), abs, mtimeMs: st.mtimeMs, size: st.size });
        }),
      );
    }
    for (const sub of subdirs) if (!(await exists(path.join(dir, sub, EXAMPLES_MARKER)))) await walk(sub);
  };
  await walk("");
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Checks a page path taken from a URL: plain relative segments only (no `..`, `.`, empty,
 * absolute, backslash, NUL or still-encoded parts). Returns null when it is not acceptable.
 */
export function cleanRunbookPath(raw: string | undefined): string | null {
  if (!raw || raw.length > 512) return null;
  if (/[\0\\]/.test(raw) || raw.startsWith("/") || /^[a-z]:/i.test(raw) || raw.includes("%")) return null;
  const segments = raw.split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.startsWith("."))) return null;
  return segments.join("/");
}

/** Absolute file for a clean path inside `dir`, following symlinks only if they stay inside. */
export function fileInside(dir: string, relFile: string): string | null {
  const root = path.resolve(dir);
  const abs = path.resolve(root, relFile);
  if (abs !== root && !abs.startsWith(root + path.sep)) return null;
  try {
    const realRoot = fs.realpathSync(root);
    const real = fs.realpathSync(abs);
    if (!real.startsWith(realRoot + path.sep)) return null;
    if (!fs.statSync(real).isFile()) return null;
    return real;
  } catch {
    return null;
  }
}

/** The file behind a page path, or null (bad path, missing, outside the folder). */
export function findRunbookFile(dir: string, pagePath: string): RunbookFile | null {
  const clean = cleanRunbookPath(pagePath);
  if (!clean) return null;
  const file = `${clean}.md`;
  const abs = fileInside(dir, file);
  if (!abs) return null;
  const segments = clean.split("/").slice(0, -1);
  for (let i = 1; i <= segments.length; i++) if (isExamplesFolder(path.join(dir, ...segments.slice(0, i)))) return null;
  const st = fs.statSync(abs);
  return { file, path: clean, abs, mtimeMs: st.mtimeMs, size: st.size };
}
