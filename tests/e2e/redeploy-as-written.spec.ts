// Runs after deploys.spec.ts (files run in name order on one worker): its redeploy of shop-api
// changes the demo's newest deployment, which deploys.spec reads as "deployed 40 minutes before detection".
import { expect, hydrated, test } from "./fixtures";

// Platform commands as written (#33): the deploy runbook's steps become the deploys plugin's guarded
// actions, prefilled. An admin presses the Render row's "Redeploy" (after "last good deploy"): the
// dialog previews a new deployment from the previous one and who deployed what serves now, the
// typed confirmation gates it, and the run follows the sandbox until the new deploy is live.
const PAGE = "/runbooks/deploy-and-rollback";

test("admin: the Render row's Redeploy opens the prefilled dialog and the run succeeds", async ({ asAdmin: page }, testInfo) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(PAGE);
  await hydrated(page);
  // The steps as written: vercel --prod, "Manual Deploy" → "Deploy latest commit", "Check Render logs", the table's buttons.
  await expect(page.getByRole("button", { name: "Redeploy shop (rebuild of production)…" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Redeploy shop-api (latest commit)…" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Show logs of shop-api" })).toBeEnabled();
  await expect(page.getByRole("button", { name: "Roll back shop to the previous deployment…" })).toBeVisible();
  // Railway and Netlify rows: no site of theirs is configured, so no button.
  await expect(page.locator(".live-block").filter({ hasText: /railway|netlify/i })).toHaveCount(0);

  const redeploy = page.getByRole("button", { name: "Redeploy shop-api from the previous deployment…" });
  await redeploy.scrollIntoViewIfNeeded();
  await testInfo.attach("deploy-runbook-1400x1000", { body: await page.screenshot(), contentType: "image/png" });
  await redeploy.click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toHaveText(/high/);
  await expect(dialog.getByTestId("action-preview")).toContainText(/Redeploy shop-api \(Render\): a new production deployment built from dep-shop2 \(commit [0-9a-f]{7} "Fix VAT rounding on invoices", created .* UTC, deactivated\)\. Production now: dep-shop4/);
  await testInfo.attach("redeploy-dialog-1400x1000", { body: await page.screenshot(), contentType: "image/png" });
  const run = dialog.getByRole("button", { name: "Run" });
  await expect(run).toBeDisabled();
  await dialog.getByTestId("action-confirm").fill("deploys:shop-api");
  await expect(run).toBeEnabled();
  await run.click();
  await page.waitForURL(/\/runs\/run_/);
  await expect(page.getByText("succeeded").first()).toBeVisible({ timeout: 60_000 });
  await expect(page.locator("body")).toContainText(/shop-api redeployed: Render serves dep-re\S+, built from dep-shop2/);
  await testInfo.attach("redeploy-run-1400x1000", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });

  // The logs read shows the new deploy starting, the database password scrubbed.
  await page.goto(PAGE);
  await hydrated(page);
  const logs = page.getByRole("button", { name: "Show logs of shop-api" });
  await logs.click();
  const block = page.locator(".live-block.live-platform").filter({ has: page.locator(".live-result") });
  await expect(block).toContainText(/log line\(s\) of shop-api \(Render, dep-re/);
  await expect(block).toContainText("postgres://shop_app:[redacted]@db.shop.internal");
  await expect(block).not.toContainText("pg-Sandbox-Pass-42");
  // One entry per log line: its time, level and stream on one line above the text (a table broke "info" into "in fo" on a phone).
  const lines = block.locator("ol.live-log > li");
  expect(await lines.count()).toBeGreaterThan(3);
  await expect(lines.first().locator(".live-log-meta")).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · \w+ · (build|runtime)$/);

  await page.setViewportSize({ width: 390, height: 844 });
  const meta = await lines.first().locator(".live-log-meta").boundingBox();
  expect(meta!.height).toBeLessThan(24);
  await page.getByRole("button", { name: "Redeploy shop-api from the previous deployment…" }).scrollIntoViewIfNeeded();
  await testInfo.attach("deploy-runbook-390x844", { body: await page.screenshot(), contentType: "image/png" });
});

test("viewer: the same affordances say who may press them", async ({ asViewer: page }) => {
  await page.goto(PAGE);
  await hydrated(page);
  // Each says the role it needs; the logs read (responders) is disabled for a viewer.
  const redeploy = page.getByRole("button", { name: /^Redeploy shop-api from the previous deployment…/ });
  await expect(redeploy).toContainText(/admin/);
  await expect(page.getByRole("button", { name: "Show logs of shop-api" })).toBeDisabled();
});
