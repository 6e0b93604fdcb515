import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-lint-cli-"));

/** `npm run lint:runbooks [dir]`, as CI runs it: boots the real plugin registry. */
function lint(dir?: string) {
  const res = spawnSync("npm", ["run", "--silent", "lint:runbooks", ...(dir ? [dir] : [])], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, LOG_LEVEL: "error" },
    timeout: 150_000,
  });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("npm run lint:runbooks", () => {
  it("passes on the project's runbooks", () => {
    const { code, out } = lint();
    expect(out).toMatch(/lint:runbooks: \d+ runbook\(s\) OK/);
    expect(code).toBe(0);
  }, 180_000);

  it("fails on an unknown action id, naming file and line", () => {
    const dir = path.join(tmp, "runbooks");
    fs.mkdirSync(path.join(dir, "payments"), { recursive: true });
    fs.writeFileSync(path.join(dir, "payments/bad.md"), '# Bad\n\n## Recover\n\n[recover](#recover)\n\n::action{id="stripe.no-such-action" eventId="evt_1"}\n');
    const { code, out } = lint(dir);
    expect(code).toBe(1);
    expect(out).toContain(`${path.join(dir, "payments/bad.md")}:7: unknown action id "stripe.no-such-action" in ::action`);
    expect(out).not.toContain("#recover");
    expect(out).toMatch(/1 problem\(s\) in 1 runbook\(s\)/);
  }, 180_000);
});
