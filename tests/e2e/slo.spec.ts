// The demo's fast-burning SLO on its runbook: objective, budget left with a bar, the sentence and
// the burn table, at desktop width and on a 390 px phone; and the managers' monthly budgets in /reports.
import { expect, hydrated, test } from "./fixtures";

for (const width of [1280, 390]) {
  test(`the ::slo widget on the Stripe webhook runbook at ${width} px`, async ({ asViewer: page }) => {
    test.setTimeout(200_000);
    await page.setViewportSize({ width, height: 900 });
    await page.goto("/runbooks/stripe-webhook-failures");
    await hydrated(page);
    const widget = page.locator('[data-widget="slo"][data-id="slo.webhook-processing"]');
    await expect(widget).toBeVisible();
    // The demo Prometheus loads the shop's day and scrapes it: the figures come once it answers.
    await expect(widget.locator(".slo-objective")).toContainText("Objective 99.9 % over 30d", { timeout: 150_000 });
    await expect(widget.getByTestId("slo-budget")).toContainText(/Budget left: -?[\d,.]+ %/);
    await expect(widget.locator("meter.slo-bar")).toBeVisible();
    // 4 % of deliveries fail against a 0.1 % budget: overspent, and a page condition fires.
    await expect(widget.getByTestId("slo-sentence")).toContainText(/budget is spent; over the last 1h it burns at \d+(\.\d+)?×/);
    for (const w of ["5m", "30m", "1h", "6h", "3d"]) {
      await expect(widget.locator("table.slo-burns th", { hasText: new RegExp(`^${w}$`) })).toBeVisible();
      await expect(widget.locator(`table.slo-burns td[data-window="${w}"]`)).toHaveText(/^\d+(\.\d+)?×$|^no events$/);
    }
    await expect(widget.locator('li[data-kind="page"][data-firing="yes"]').first()).toBeVisible({ timeout: 90_000 });
    await expect(widget).toHaveAttribute("data-status", "critical", { timeout: 90_000 });
    await expect(widget.locator("svg.slo-chart polyline")).toBeVisible();
    // The chart's labels stay readable on a phone (text inside the scaled-down SVG was ~5 px tall at 390 px).
    for (const label of ["100%", "0%", "now"]) {
      const box = await widget.locator(".slo-chart-box").getByText(label, { exact: true }).boundingBox();
      expect(box?.height ?? 0, label).toBeGreaterThanOrEqual(11);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await widget.scrollIntoViewIfNeeded();
    await widget.screenshot({ path: `tests/.tmp/slo-widget-${width}.png` });
  });
}

test("the Sentry SLO (core API latency from the sandbox's transactions) on the Sentry triage runbook", async ({ asViewer: page }) => {
  test.setTimeout(120_000);
  await page.goto("/runbooks/sentry-triage");
  await hydrated(page);
  const widget = page.locator('[data-widget="slo"][data-id="slo.core-api-latency"]');
  await expect(widget).toBeVisible();
  await expect(widget.locator(".slo-objective")).toContainText("Objective 95 % over 30d", { timeout: 60_000 });
  // About 3 % of API transactions take longer than 500 ms against a 5 % budget: a third of it left, burning under 1×.
  await expect(widget.getByTestId("slo-budget")).toContainText(/Budget left: [1-5]\d(\.\d+)? %/);
  await expect(widget.getByTestId("slo-sentence")).toContainText(/the burn rate is 0\.\d+×: at this rate the month's budget lasts the window/);
  await expect(widget.locator('table.slo-burns td[data-window="3d"]')).toHaveText(/^0\.\d+×$/);
  await expect(widget.locator('li[data-firing="yes"]')).toHaveCount(0);
  await expect(widget).toHaveAttribute("data-status", "ok");
  await expect(widget.locator("svg.slo-chart polyline")).toBeVisible();
  await widget.scrollIntoViewIfNeeded();
  await widget.screenshot({ path: "tests/.tmp/slo-widget-sentry.png" });
});

test("a manager sees each SLO's budget spent this month in /reports", async ({ asManager: page }) => {
  test.setTimeout(200_000);
  await expect(async () => {
    await page.goto("/reports");
    await expect(page.locator('[data-slo="webhook-processing"] [data-testid="slo-spent"]').last()).toContainText(/\d %/, { timeout: 2_000 });
  }).toPass({ timeout: 150_000 });
  const budgets = page.getByTestId("slo-budgets");
  await expect(budgets.getByRole("link", { name: "Webhook processing success" })).toHaveAttribute("href", "/runbooks/stripe-webhook-failures");
  await expect(budgets.locator('[data-slo="refund-success"]').first()).toBeVisible();
  await budgets.screenshot({ path: "tests/.tmp/slo-report.png" });
});
