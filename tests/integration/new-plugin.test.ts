// `npm run new-plugin -- <id>` in a temporary copy of the repo (never in the working tree): the
// scaffolded plugin's own tests pass, it type-checks, it is registered with a docs page whose key
// table is the one its schema gives, and a bad or taken id is refused with a clear message.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = path.resolve(__dirname, "../..");
const ID = "job-queue";
let copy = "";

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: copy, encoding: "utf8", env: { ...process.env, NODE_ENV: "test" }, timeout: 240_000 });
const tsx = path.join(REPO, "node_modules", ".bin", "tsx");

beforeAll(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-new-plugin-"));
  for (const dir of ["app", "plugins", "scripts", "tests/helpers", "docs/plugins"]) fs.cpSync(path.join(REPO, dir), path.join(copy, dir), { recursive: true });
  for (const file of ["package.json", "tsconfig.json", "vitest.config.ts", "remix.env.d.ts"]) if (fs.existsSync(path.join(REPO, file))) fs.copyFileSync(path.join(REPO, file), path.join(copy, file));
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(copy, "node_modules"), "dir");
  const out = execFileSync(tsx, ["scripts/new-plugin.ts", ID], { cwd: copy, encoding: "utf8" });
  expect(out).toContain(`wrote plugins/${ID}/`);
});

afterAll(() => {
  if (copy) fs.rmSync(copy, { recursive: true, force: true });
});

describe("npm run new-plugin", () => {
  it("writes the plugin in the current shape, its docs page, and registers it", () => {
    const dir = path.join(copy, "plugins", ID);
    for (const f of ["config.ts", "index.ts", "api.ts", "client.server.ts", "sandbox.ts", "doctor.ts", "probes/failed-jobs.ts", "actions/retry-job.ts", "config.test.ts", "doctor.test.ts", "probes/failed-jobs.test.ts", "actions/retry-job.test.ts"]) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    const index = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
    expect(index).toContain(`id: "${ID}"`);
    expect(index).toMatch(/provides: \[jobQueueQueueRef\]/);
    expect(fs.readFileSync(path.join(dir, "actions/retry-job.ts"), "utf8")).toMatch(/risk: "high"[\s\S]*preview\(/);
    const registry = fs.readFileSync(path.join(copy, "app/plugins.server.ts"), "utf8");
    expect(registry).toContain(`import jobQueue from "../plugins/${ID}";`);
    expect(registry).toMatch(/installedPlugins: readonly PluginDefinition\[\] = \[[^\]]*, jobQueue, demo\];/);
    // Only the registration changed in the registry: one import line, one entry.
    const before = fs.readFileSync(path.join(REPO, "app/plugins.server.ts"), "utf8");
    expect(registry.split("\n").length).toBe(before.split("\n").length + 1);
    const page = fs.readFileSync(path.join(copy, "docs/plugins", `${ID}.md`), "utf8");
    expect(page).toContain(`\`\`\`yaml\nplugins:\n  ${ID}:`);
    expect(page).toMatch(/`plugins\.job-queue\.token`[^\n]*secret/i);
  });

  it("its generated tests pass", () => {
    const res = run(path.join(REPO, "node_modules", ".bin", "vitest"), ["run", `plugins/${ID}`]);
    expect(res.status, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Tests\s+.*\d+ passed/);
    expect(res.stdout).not.toMatch(/\d+ failed/);
  });

  it("type-checks", () => {
    fs.writeFileSync(path.join(copy, "tsconfig.scaffold.json"), JSON.stringify({ extends: "./tsconfig.json", include: ["remix.env.d.ts", `plugins/${ID}/**/*.ts`] }));
    const res = run(path.join(REPO, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "tsconfig.scaffold.json"]);
    expect(res.status, res.stdout + res.stderr).toBe(0);
  });

  it("is installed with a docs page whose key table is up to date (npm run docs:plugins -- --check)", () => {
    const res = run(tsx, ["scripts/plugin-docs.ts", "--check"]);
    // The check loads every installed plugin (the new one too); it may name other pages that a
    // change in progress elsewhere left out of date, never the new plugin's.
    const problems = res.stderr.split("\n").filter(Boolean);
    expect(problems.every((l) => /^(docs\/plugins\/[a-z0-9-]+\.md|plugins\.[a-z0-9-]+\S*): /.test(l)), res.stderr).toBe(true);
    expect(problems.filter((l) => l.includes(ID))).toEqual([]);
  });

  it("refuses a taken id and a bad id, naming the problem, and writes nothing", () => {
    const registry = fs.readFileSync(path.join(copy, "app/plugins.server.ts"), "utf8");
    const taken = run(tsx, ["scripts/new-plugin.ts", ID]);
    expect(taken.status).toBe(1);
    expect(taken.stderr).toContain(`plugins/${ID} already exists`);
    const existing = run(tsx, ["scripts/new-plugin.ts", "stripe"]);
    expect(existing.stderr).toContain("plugins/stripe already exists");
    for (const bad of ["Job_Queue", "job--queue", "9jobs", "-x"]) {
      const res = run(tsx, ["scripts/new-plugin.ts", bad]);
      expect(res.status, bad).toBe(1);
      expect(res.stderr).toContain("use kebab-case");
      expect(fs.existsSync(path.join(copy, "plugins", bad))).toBe(false);
    }
    expect(run(tsx, ["scripts/new-plugin.ts", "demo"]).stderr).toContain("reserved");
    expect(fs.readFileSync(path.join(copy, "app/plugins.server.ts"), "utf8")).toBe(registry);
  });
});
