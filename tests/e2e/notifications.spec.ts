// Issue 29: a responder asks for a refund; the request is posted to the demo's Slack sandbox with
// Approve / Decline; admin2 approves it there (typing the target in the Slack modal), and the
// responder's page shows the run admin2 started.
import { expect, hydrated, signInAs, test } from "./fixtures";

test("a refund asked for in the portal is approved from the Slack sandbox", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signInAs(page, "responder", "/runbooks/stripe-reconciliation");
  await hydrated(page);
  const button = page.locator('[data-id="stripe.refund"]').getByTestId("action-button");
  await expect(button).toContainText("Ask an admin…");
  await button.click();
  const dialog = page.getByRole("dialog");
  await dialog.locator('input[name="paymentIntentId"]').fill("pi_demo_wx1001");
  await dialog.getByTestId("ask-reason").fill("Customer cancelled order wx-1001 and was charged anyway");
  await dialog.getByRole("button", { name: "Ask an admin" }).click();
  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  await expect(page.getByTestId("run-status")).toHaveText("requested");

  const admin2 = await browser.newPage();
  await signInAs(admin2, "admin2", "/");
  // The overview says who is on call now and next (the demo's rotations of the admins).
  await expect(admin2.getByTestId("oncall-now")).toContainText(/admin2? \(primary; next admin2? at/);
  await admin2.goto("/admin/notifications");
  const sandbox = await admin2.getByRole("link", { name: "Slack sandbox" }).getAttribute("href");
  expect(sandbox).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  await admin2.goto(`${sandbox}/?as=U0ADMIN2`);
  const message = admin2.locator('section[data-channel="incidents"] li.msg', { hasText: "responder asks an admin to run stripe.refund" });
  await expect(message).toBeVisible({ timeout: 20_000 });
  await expect(message).toContainText("Customer cancelled order wx-1001");
  await message.getByRole("button", { name: "Approve" }).click();

  // A critical action: Slack's modal asks for the target before anything is decided.
  const modal = admin2.locator("dialog.modal");
  await expect(modal).toBeVisible();
  const label = (await modal.locator("label").textContent())!;
  const target = label.replace(/^\s*Type\s+/, "").trim();
  await modal.locator('input[name="value"]').fill(target);
  await modal.getByRole("button", { name: "Approve and run" }).click();
  await expect(message).toContainText("Approved by admin2 in Slack", { timeout: 20_000 });
  await admin2.screenshot({ path: "test-results/notifications-slack-sandbox.png" });

  // The responder's page shows the run admin2 started (a critical refund now waits for a second admin).
  await expect(page.getByTestId("request-outcome")).toContainText("admin2 ran it", { timeout: 20_000 });
  await page.getByTestId("request-outcome").getByRole("link", { name: "see the run" }).click();
  await hydrated(page);
  await expect(page.getByTestId("run-status")).toHaveText(/awaiting_approval|awaiting approval/);
  await page.screenshot({ path: "test-results/notifications-responder-run.png" });
  await admin2.close();
});
