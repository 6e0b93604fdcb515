import { expect, hydrated, test } from "./fixtures";

test("paddle webhooks: replay the failed notification from the runbook; the app-side processing errors clear", async ({ asAdmin: page }) => {
  test.setTimeout(120_000);
  await page.goto("/runbooks/paddle-webhooks");
  await hydrated(page);
  const errors = page.locator('[data-widget="status"][data-id="paddle.processing-errors"]').first();
  await expect(errors).toContainText("subscription sub_01shoppastdue000000000042 not found", { timeout: 30_000 });

  const table = page.locator('[data-widget="table"][data-id="paddle.failed-notifications"]').first();
  const row = table.getByTestId("result-row").filter({ hasText: "ntfset_01shopmain0000000000000001" });
  await row.getByRole("button", { name: /^Replay ntf_/ }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toHaveText(/high risk/);
  const preview = dialog.getByTestId("action-preview");
  await expect(preview).toContainText("Replay subscription.updated");
  await expect(preview).toContainText("failed after 3 attempts, last response 500");
  const id = await dialog.locator('input[name="notificationId"]').inputValue();
  await dialog.getByTestId("action-confirm").fill(id);
  await dialog.getByRole("button", { name: /^run$/i }).click();

  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  await expect(page.getByTestId("run-result")).toContainText(/origin replay\): delivered/, { timeout: 20_000 });

  await page.goto("/runbooks/paddle-webhooks");
  await hydrated(page);
  await expect(page.locator('[data-widget="status"][data-id="paddle.processing-errors"]').first()).toContainText("No unresolved processing error", { timeout: 30_000 });
});
