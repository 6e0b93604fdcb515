import { expect, hydrated, test } from "./fixtures";

test("cron jobs page: states of the shop's jobs, run history with the next run in two time zones, run-now brings AutoRelease back", async ({ asResponder: page }) => {
  await page.goto("/runbooks/cron-jobs");
  await hydrated(page);

  const table = page.locator('[data-widget="table"][data-id="cron.jobs"]');
  await expect(table).toContainText("ran too fast");
  await expect(table).toContainText("failing");
  await expect(table.locator("tr", { hasText: "autorelease" })).toContainText("down");
  await expect(table.locator("tr", { hasText: "invoice-reminders" })).toContainText("less than minRuntime 20s");

  const chart = page.locator('[data-view="runs"][data-id="cron.dunning"]');
  await expect(chart.getByTestId("cron-next-run")).toContainText("(America/New_York)");
  await expect(chart.getByTestId("cron-next-run")).toContainText("your time");
  // Five failures are seeded; the shop's scheduler adds one every 10 minutes while the demo runs.
  await expect(chart.getByTestId("cron-run-caption")).toContainText(/\d+ runs · \d+ failed · \d+ scheduled starts? missed.* · usual duration/);
  const failed = Number(/· (\d+) failed/.exec((await chart.getByTestId("cron-run-caption").textContent()) ?? "")?.[1]);
  expect(failed).toBeGreaterThanOrEqual(5);
  await expect(chart.locator('[data-series="started (failed)"] circle').first()).toBeVisible();
  await chart.screenshot({ path: "tests/.tmp/cron-dunning-chart.png" });

  const card = page.locator('[data-widget="status"][data-id="cron.autorelease"]');
  await expect(card).toHaveAttribute("data-status", "critical");
  await page.screenshot({ path: "tests/.tmp/cron-jobs.png", fullPage: true });

  await page.getByRole("button", { name: "Run AutoRelease once" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-preview")).toContainText("with the job's bearer secret (Authorization: Bearer [redacted])");
  await dialog.getByRole("button", { name: "Run" }).click();
  await expect(page).toHaveURL(/\/runs\/run_/, { timeout: 30_000 });
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 30_000 });
  await expect(page.getByTestId("run-log")).toContainText(/answered 200 in \d+ ms/);
  await expect(page.getByTestId("run-log")).not.toContainText("demo-cron-secret");

  await page.goto("/runbooks/cron-jobs");
  await hydrated(page);
  await expect(page.locator('[data-widget="status"][data-id="cron.autorelease"]')).toHaveAttribute("data-status", "ok", { timeout: 20_000 });
});

test("run-now of a job without a secret is refused with a clear error", async ({ asResponder: page }) => {
  const origin = new URL(page.url()).origin;
  const preview = await page.request.post("/api/actions/cron.run-now/preview", { data: { input: { job: "revenue-aggregation" } }, headers: { origin } });
  expect(await preview.json()).toMatchObject({ previewInvalid: true });
  const res = await page.request.post("/api/actions/cron.run-now", { data: { input: { job: "revenue-aggregation" }, idempotencyKey: `e2e-${Date.now()}` }, headers: { origin } });
  expect(res.status()).toBe(400);
  expect(JSON.stringify(await res.json())).toContain("has no secret configured");
});
