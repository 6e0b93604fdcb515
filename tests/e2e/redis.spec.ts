// Redis rate limits in the browser, on the demo shop's private redis-server: user_123 is blocked
// by a daily counter stuck without TTL; an admin deletes that one key through the guarded dialog
// and the stuck-key card clears. Skipped where redis-server is not installed (the overview then
// says how to enable it, which the unit tests cover).
import fs from "node:fs";
import { expect, hydrated, test } from "./fixtures";

const hasRedis = fs.existsSync("/usr/bin/redis-server") || fs.existsSync("/usr/local/bin/redis-server");

test.skip(!hasRedis, "redis-server is not installed");

test("a stuck rate-limit key: seen on the runbook, deleted by an admin, the card clears", async ({ asAdmin: page }) => {
  test.setTimeout(90_000);
  await page.goto("/runbooks/redis-rate-limits");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Redis rate limits and caches", level: 1 }).first()).toBeVisible();

  const stuck = page.locator('[data-widget="status"][data-id="redis.ttl-rate-limit"]').first();
  await expect(stuck).toHaveAttribute("data-status", "critical", { timeout: 20_000 });
  await expect(stuck).toContainText("1 key matching rate_limit:* has no TTL");
  const ping = page.locator('[data-widget="status"][data-id="redis.ping"]').first();
  await expect(ping).toContainText(/PONG in [\d.]+ ms from redis:\/\/127\.0\.0\.1:\d+ db 0/);
  await expect(page.locator('[data-widget="status"][data-id="redis.keys-analytics"]').first()).toContainText(/[\d,]+ keys match analytics:\*/);
  await page.screenshot({ path: "tests/.tmp/redis-runbook.png", fullPage: false });

  const widget = page.locator('[data-widget="action"][data-id="redis.delete-key"]').first();
  await widget.getByRole("button", { name: "Unblock user_123 (delete their daily counter)" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toContainText("high");
  const preview = dialog.getByTestId("action-preview");
  await expect(preview).toContainText(/delete rate_limit:user_123:daily \(string, no TTL/);
  await expect(preview).toContainText("belongs to rate-limit (rate_limit:*)");
  await expect(dialog.getByTestId("blast-radius")).toHaveText("1");
  await dialog.getByTestId("action-confirm").fill("rate_limit:user_123:daily");
  await page.screenshot({ path: "tests/.tmp/redis-delete-key-dialog.png" });
  await dialog.getByRole("button", { name: "Run" }).click();

  await expect(page).toHaveURL(/\/runs\/[^/]+$/);
  await expect(page.getByText("succeeded").first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText(/deleted rate_limit:user_123:daily \(string, no TTL\)/).first()).toBeVisible();

  await page.goto("/runbooks/redis-rate-limits");
  await hydrated(page);
  await expect(stuck).toHaveAttribute("data-status", "ok", { timeout: 20_000 });
  await expect(stuck).toContainText("0 keys matching rate_limit:* have no TTL");
});

test("a key outside the configured patterns is refused in the dialog", async ({ asAdmin: page }) => {
  await page.goto("/runbooks/redis-rate-limits");
  await hydrated(page);
  const widget = page.locator('[data-widget="action"][data-id="redis.delete-key"]').first();
  await widget.getByRole("button", { name: "Unblock user_123 (delete their daily counter)" }).click();
  const dialog = page.getByRole("dialog");
  const key = dialog.getByLabel("Key, e.g. rate_limit:user_123:daily");
  await key.fill("session:abc");
  await expect(dialog).toContainText(/"session:abc" is outside the configured key patterns/);
  await expect(dialog.getByRole("button", { name: "Run" })).toBeDisabled();
});
