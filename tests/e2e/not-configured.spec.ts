import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { startServer, type RunningServer } from "../helpers/server";

// Its own portal outside demo mode (not the shared demo one): the team's runbooks folder holds the
// starter set and one runbook of the team's that names Redis, which this install has not
// configured. The first admin is made as the README says, with `npm run user`.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SESSION_SECRET = "e2e-session-secret-not-configured-0123456789";
const PASSWORD = "first-admin-password-e2e";

let portal: RunningServer;
let runbooks: string;

test.beforeAll(async () => {
  runbooks = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-team-runbooks-"));
  for (const f of fs.readdirSync(path.join(ROOT, "runbooks")).filter((x) => x.endsWith(".md"))) fs.copyFileSync(path.join(ROOT, "runbooks", f), path.join(runbooks, f));
  fs.writeFileSync(
    path.join(runbooks, "session-cache.md"),
    ["---", "title: Session cache full", "owner: web", "---", "# Session cache full", "", "## Detect", '::status{probe="redis.memory"}', "", "## Recover", '1. ::action{id="redis.delete-key"}', ""].join("\n"),
  );
  portal = await startServer({ config: { app: { demo: false } }, env: { SESSION_SECRET }, runbooksDir: runbooks });
  const user = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["--tsconfig", path.join(ROOT, "tsconfig.json"), path.join(ROOT, "scripts/user.ts"), "add", "first-admin", "--role", "admin"], {
    cwd: portal.dir,
    input: `${PASSWORD}\n`,
    env: { ...process.env, SESSION_SECRET, OPSDECK_RUNBOOKS_DIR: runbooks, LOG_LEVEL: "warn" },
    encoding: "utf8",
  });
  if (user.status !== 0) throw new Error(`npm run user failed: ${user.stderr}${user.stdout}`);
});

test.afterAll(async () => {
  await portal?.stop();
  if (runbooks) fs.rmSync(runbooks, { recursive: true, force: true });
});

for (const width of [1400, 390]) {
  test(`a runbook naming an unconfigured plugin says "not configured here" with its YAML (${width} px)`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${portal.baseUrl}/login`);
    await page.getByLabel("Username").fill("first-admin");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: /sign in/i }).click();
    await page.waitForURL((u) => !u.pathname.startsWith("/login"));

    await page.goto(`${portal.baseUrl}/runbooks/session-cache`);
    const probe = page.locator('[data-not-configured="redis.memory"]');
    await expect(probe).toContainText("Not configured here:");
    await expect(probe).toContainText("Redis (plugins.redis) is not configured here");
    await probe.getByText("YAML that would configure it").click();
    await expect(probe.locator("pre")).toContainText("plugins:");
    await expect(probe.locator("pre")).toContainText("redis:");
    await expect(probe.locator("pre")).toContainText(/url: \$\{[A-Z_]+\}/);
    await expect(page.locator('[data-not-configured="redis.delete-key"]')).toContainText("action");
    // Not an error: not counted as broken, and no unknown-id warning.
    await expect(page.getByTestId("freshness-broken")).toHaveText("0 broken widgets");
    await expect(page.getByTestId("broken-widgets")).toHaveCount(0);
    await expect(page.getByText(/unknown (probe|action)/i)).toHaveCount(0);
    await page.screenshot({ path: `tests/.tmp/not-configured-${width}.png`, fullPage: true });

    // The starter set next to it: none of it broken either.
    await page.goto(`${portal.baseUrl}/runbooks`);
    await expect(page.getByRole("link", { name: "Session cache full" })).toBeVisible();
    const cells = page.locator('td[data-col="broken"]');
    expect(await cells.count()).toBeGreaterThanOrEqual(12);
    expect(new Set(await cells.evaluateAll((tds) => tds.map((td) => td.getAttribute("data-broken"))))).toEqual(new Set(["0"]));
  });
}
