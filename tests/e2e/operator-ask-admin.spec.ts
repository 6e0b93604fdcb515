// Item 2 of issue 13: a responder sees plainly which buttons need an admin, asks with a reason,
// and their page updates live when an admin runs it (with typed confirmation) from the overview.
import { expect, hydrated, signInAs, test } from "./fixtures";

test("a responder asks an admin; the admin runs it from the overview; the responder's page updates", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signInAs(page, "responder", "/runbooks/demo-actions");
  await hydrated(page);
  const button = page.locator('[data-id="demo.rotate-key"]').getByTestId("action-button");
  await expect(button).toContainText("Ask an admin…");
  await button.click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-needs-role")).toContainText("Only admins can run this");
  await dialog.getByTestId("ask-reason").fill("Signing key showed up in a support ticket");
  await dialog.getByRole("button", { name: "Ask an admin" }).click();
  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  await expect(page.getByTestId("run-status")).toHaveText("requested");
  await expect(page.getByTestId("run-request")).toContainText("Waiting for an admin");

  const admin = await browser.newPage();
  await signInAs(admin, "admin", "/");
  await hydrated(admin);
  const item = admin.getByTestId("pending-decisions").locator('li[data-kind="request"]').first();
  await expect(item).toContainText("requested by responder");
  await item.getByRole("link").click();
  await hydrated(admin);
  await expect(admin.getByTestId("run-request")).toContainText("Signing key showed up in a support ticket");
  const target = (await admin.locator(".run-facts code").first().textContent())!.trim();
  await admin.getByTestId("approval-confirm").fill(target);
  await admin.getByRole("button", { name: /Run it as admin/ }).click();
  await admin.waitForURL((u) => /\/runs\/run_/.test(u.pathname) && !u.href.includes(new URL(page.url()).pathname));
  await hydrated(admin);
  await expect(admin.getByTestId("run-request")).toContainText("Run on request of responder");
  await expect(admin.getByTestId("run-status")).toHaveText(/succeeded/, { timeout: 20_000 });
  await admin.screenshot({ path: "test-results/operator-ask-admin-run.png" });

  // The responder's page follows without a reload.
  await expect(page.getByTestId("request-outcome")).toContainText("admin ran it", { timeout: 20_000 });
  await page.screenshot({ path: "test-results/operator-ask-admin-request.png" });
  await admin.close();
});
