// Item 6 of issue 13: the confirm dialog helps instead of fighting: no message before typing, no
// default on a consequential choice, money in major units with the currency, before/after as a
// field diff, a copy control for the typed target, and the Run button on screen on a laptop and a phone.
import { expect, hydrated, test } from "./fixtures";

for (const viewport of [{ width: 1366, height: 768 }, { width: 390, height: 844 }]) {
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });

    test("refund dialog: major units, field diff, no default reason, copy control, Run in view", async ({ asAdmin: page, context }) => {
      await context.grantPermissions(["clipboard-read", "clipboard-write"]);
      await page.goto("/runbooks/stripe-reconciliation");
      await hydrated(page);
      await page.locator('[data-id="stripe.refund"]').getByTestId("action-button").click();
      const dialog = page.getByRole("dialog");
      await expect(dialog.getByLabel(/payment intent/i)).toBeVisible();
      // Nothing typed yet: no validation message.
      await page.waitForTimeout(800);
      await expect(dialog).not.toContainText("Invalid input");
      await expect(dialog.locator(".field-error")).toHaveCount(0);
      await expect(dialog.locator('select[name="reason"]')).toHaveValue("");
      await expect(dialog.locator('select[name="reason"] option:checked')).toHaveText("— not set —");

      await dialog.locator('input[name="paymentIntentId"]').fill("pi_demo_wx1001");
      await expect(dialog.locator('label[for$="-amount"]')).toContainText("USD", { timeout: 10_000 });
      await dialog.locator('input[name="amount"]').fill("12.50");
      const diff = dialog.getByTestId("change-diff");
      await expect(diff).toBeVisible({ timeout: 10_000 });
      const refunded = diff.locator("tr", { hasText: "Amount refunded" });
      await expect(refunded).toHaveAttribute("data-changed", "true");
      await expect(refunded.locator("td").last()).toHaveText("$12.50");
      await expect(diff.locator("tr", { hasText: /^Amount\$/ }).locator("td").first()).toHaveText("$450.00");

      // The 48-character-style target: copy it, paste it.
      await dialog.getByTestId("copy-target").click();
      await expect(dialog.getByTestId("copy-target")).toHaveText("Copied");
      await dialog.getByTestId("action-confirm").focus();
      await page.keyboard.press("Control+V");
      await expect(dialog.getByTestId("action-confirm")).toHaveValue("pi_demo_wx1001");

      const run = dialog.getByRole("button", { name: /request approval|^run$/i });
      const box = await run.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);
      expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: `test-results/operator-dialog-${viewport.width}.png` });
    });

    test("recheck dialog opens without an error", async ({ asAdmin: page }) => {
      await page.goto("/runbooks/stripe-reconciliation");
      await hydrated(page);
      await page.locator('[data-id="stripe.recheck-payment"]').getByTestId("action-button").click();
      const dialog = page.getByRole("dialog");
      await expect(dialog.locator('input[name="paymentIntentId"]')).toBeVisible();
      await page.waitForTimeout(800);
      await expect(dialog).not.toContainText(/Invalid input|expected string/);
      await expect(dialog).toContainText("Fill in the input to see what will change");
    });
  });
}
