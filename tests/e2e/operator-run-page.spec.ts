// Item 3 of issue 13: from run page A, a fix button starts run B and the page shows B without a
// reload; run pages link their incident by title and the runbook they came from.
import { expect, hydrated, test } from "./fixtures";

test("from run A a fix opens run B at once, with links to its runbook and incident", async ({ asAdmin: page }) => {
  test.setTimeout(120_000);
  const title = `Orders not completing ${Date.now()}`;
  const declared = await page.request.post("/api/incidents", { data: { title, severity: "P2", runbook: "stripe-reconciliation" } });
  expect(declared.status()).toBe(201);

  await page.goto("/runbooks/stripe-reconciliation");
  await hydrated(page);
  await page.locator('[data-id="stripe.reconcile"]').getByTestId("action-button").click();
  await page.getByRole("dialog").getByRole("button", { name: /^run$/i }).click();
  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  const runA = page.url();
  await expect(page.locator("#run-title")).toContainText(/reconcil/i);
  await expect(page.getByTestId("run-runbook")).toContainText("Stripe reconciliation");
  await expect(page.getByTestId("run-incident")).toHaveText(title);
  await expect(page.getByTestId("run-result")).toContainText("mismatches", { timeout: 20_000 });

  const mismatch = page.getByTestId("result-row").filter({ hasText: "wx-1046" });
  await mismatch.getByRole("button", { name: /Mark completed/ }).click();
  const fix = page.getByRole("dialog");
  await expect(fix.getByTestId("action-incident")).toHaveValue(/.+/); // joins the incident that links stripe/firestore
  await fix.getByTestId("action-confirm").fill("orders/wx-1046");
  await fix.getByRole("button", { name: /^run$/i }).click();

  await page.waitForURL((u) => u.href !== runA && /\/runs\/run_/.test(u.pathname));
  // No reload: the page now shows run B (its title, its status), not A's result.
  await expect(page.locator("#run-title")).not.toContainText(/reconcil/i);
  await expect(page.getByTestId("run-result")).not.toContainText("mismatches");
  await expect(page.getByTestId("run-status")).toHaveText(/succeeded|started|pending/, { timeout: 20_000 });
  await expect(page.getByTestId("run-incident")).toHaveText(title);
  await page.screenshot({ path: "test-results/operator-run-b.png" });
});
