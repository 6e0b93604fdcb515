import type { Page } from "@playwright/test";
import { DEMO_PASSWORD, expect, hydrated, test } from "./fixtures";

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
