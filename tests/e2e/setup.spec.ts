import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "@playwright/test";
import YAML from "yaml";
import { startServer, type RunningServer } from "../helpers/server";
import { DEMO_PASSWORD, expect, hydrated, test } from "./fixtures";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Signs in straight to the Setup page (a read-only page: nothing on it waits for hydration). */
async function openSetupAs(page: Page, user: "admin" | "responder") {
  await page.goto(`/login?redirectTo=${encodeURIComponent("/admin/setup")}`);
  await hydrated(page);
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

// The Setup page in demo mode: the doctor's read-only calls against the portal's own sandboxes,
// one card per plugin with each check, ok or the provider's words and the fix.
test("an admin's Setup page checks the demo sandboxes with the doctor's calls", async ({ page }) => {
  await openSetupAs(page, "admin");
  await expect(page.getByRole("heading", { name: "Setup", level: 1 })).toBeVisible();
  await expect(page.getByTestId("setup-mode")).toContainText("Demo mode");
  for (const id of ["stripe", "redis", "sentry", "deploys", "paddle", "prometheus"]) {
    const card = page.locator(`[data-plugin="${id}"]`);
    await expect(card, id).toHaveAttribute("data-status", "ok");
    await expect(card.locator("li[data-ok='true']").first(), id).toBeVisible();
  }
  await expect(page.locator('[data-plugin="stripe"] li[data-check="account"]')).toContainText("acct_");
  await expect(page.locator('[data-plugin="sentry"] li[data-check="token scopes"]')).toContainText("org:read");
  // Whatever the state of a plugin, no card shows a fix without naming its check, and no secret of the sandboxes is on the page.
  const html = await page.content();
  expect(html).not.toMatch(/sk_test_[A-Za-z0-9]{8,}/);
  expect(html).not.toMatch(/pdl_sdbx_apikey_[a-f0-9]{8,}/);
});

test("the Setup page is for admins only", async ({ page }) => {
  await openSetupAs(page, "responder");
  await expect(page.getByText("This page is for admins.")).toBeVisible();
  await expect(page.locator("[data-plugin]")).toHaveCount(0);
});

// A team's own portal (not the demo): cron configured with a job whose pings have no token. The
// Setup page names that check and its fix, on a desktop and on a 390 px phone.
test.describe("a non-demo portal with a broken plugin", () => {
  let portal: RunningServer;
  const password = "setup-admin-password-0123";

  test.beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-setup-"));
    const config = { app: { demo: false }, plugins: { cron: { jobs: { "auto-release": { schedule: "*/10 * * * *", timezone: "Europe/Berlin" } } } } };
    fs.writeFileSync(path.join(dir, "app-config.yaml"), YAML.stringify(config));
    fs.mkdirSync(path.join(dir, "runbooks"));
    const env = { OPSDECK_CONFIG: path.join(dir, "app-config.yaml"), OPSDECK_DATA_DIR: path.join(dir, "data"), SESSION_SECRET: "e2e-setup-session-secret-0123456789" };
    // The first admin, made the way the README says: npm run user -- add.
    const made = spawnSync("npm", ["run", "--silent", "user", "--", "add", "ops-admin", "--role", "admin"], { cwd: ROOT, env: { ...process.env, ...env }, input: `${password}\n`, encoding: "utf8", timeout: 240_000 });
    if (made.status !== 0) throw new Error(`npm run user failed: ${made.stdout}\n${made.stderr}`);
    portal = await startServer({ dir, env, runbooksDir: path.join(dir, "runbooks") });
  });

  test.afterAll(async () => {
    await portal?.stop();
  });

  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    test(`the problem and its fix are shown (${viewport.width} px)`, async ({ page }, info) => {
      await page.setViewportSize(viewport);
      await page.goto(`${portal.baseUrl}/login?redirectTo=${encodeURIComponent("/admin/setup")}`);
      await hydrated(page);
      await page.getByLabel("Username").fill("ops-admin");
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { name: "Setup", level: 1 })).toBeVisible();
      await expect(page.getByTestId("setup-summary")).toHaveText("1 of 1 plugin(s) cannot work as configured.");
      const card = page.locator('[data-plugin="cron"]');
      await expect(card).toHaveAttribute("data-status", "problem");
      const check = card.locator('li[data-check="auto-release: ping token"]');
      await expect(check).toHaveAttribute("data-ok", "false");
      await expect(check).toContainText("no ping token is set");
      await expect(check.getByTestId("check-fix")).toContainText("set plugins.cron.jobs.auto-release.pingToken or plugins.cron.pingToken");
      await page.screenshot({ path: info.outputPath(`setup-broken-${viewport.width}.png`), fullPage: true });
    });
  }
});
