import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lastEdited } from "./edited.server";
import { scanRunbooks } from "./source.server";

describe("a runbook's last edit", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-edited-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => scanRunbooks(dir).find((f) => f.file === name)!;

  it("is the last commit's time in git, the file time when edited since or untracked, and the file time outside git", async () => {
    fs.writeFileSync(path.join(dir, "outside.md"), "# Outside\n");
    expect(await lastEdited(file("outside.md"))).toEqual({ at: Math.round(file("outside.md").mtimeMs), from: "mtime" });

    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: dir, env: { ...process.env, GIT_COMMITTER_DATE: "2026-01-02T03:04:05Z", GIT_AUTHOR_DATE: "2026-01-02T03:04:05Z", GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } });
    git("init", "-q");
    fs.writeFileSync(path.join(dir, "committed.md"), "# Committed\n");
    git("add", "committed.md");
    git("commit", "-qm", "add");
    expect(await lastEdited(file("committed.md"))).toEqual({ at: Date.parse("2026-01-02T03:04:05Z"), from: "git" });

    fs.writeFileSync(path.join(dir, "committed.md"), "# Committed, then edited\n");
    const edited = await lastEdited(file("committed.md"));
    expect(edited.from).toBe("mtime");
    expect(await lastEdited(file("outside.md"))).toMatchObject({ from: "mtime" }); // untracked

    // One reading per folder: a subfolder's files are answered from their own folder's log.
    fs.mkdirSync(path.join(dir, "team"));
    for (const n of ["one", "two"]) fs.writeFileSync(path.join(dir, "team", `${n}.md`), `# ${n}\n`);
    git("add", "team");
    git("commit", "-qm", "team");
    expect(await lastEdited(file("team/one.md"))).toEqual({ at: Date.parse("2026-01-02T03:04:05Z"), from: "git" });
    expect(await lastEdited(file("team/two.md"))).toEqual({ at: Date.parse("2026-01-02T03:04:05Z"), from: "git" });
    expect(await lastEdited(file("committed.md"))).toMatchObject({ from: "mtime" }); // still edited since
  });
});
