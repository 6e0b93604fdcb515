// Item 8 of issue 13, on a phone (390×844): the first live figure is on the first screen under the
// title, charts fit their card, action buttons are not cut off, and the dialog's Run button is reachable.
import { expect, hydrated, test } from "./fixtures";

test.use({ viewport: { width: 390, height: 844 } });

test("runbook on a phone: live figure on the first screen, chart fits, buttons whole, dialog usable", async ({ asResponder: page }) => {
  await page.goto("/runbooks/stripe-reconciliation");
  await hydrated(page);
  const title = page.locator("#runbook-title");
  const firstFigure = page.getByTestId("live-strip").locator("li").first();
  await expect(firstFigure).toContainText(/\d/, { timeout: 15_000 });
  const t = (await title.boundingBox())!;
  const f = (await firstFigure.boundingBox())!;
  expect(f.y).toBeGreaterThan(t.y);
  expect(f.y + f.height).toBeLessThanOrEqual(844);

  // The chart is drawn at the width of its card, not 640 px.
  await page.goto("/runbooks/stripe-webhook-failures");
  await hydrated(page);
  const chart = page.locator(".widget-chart .chart-box").first();
  await chart.scrollIntoViewIfNeeded();
  const svg = chart.locator("svg.chart-svg").first();
  await expect(svg).toBeVisible({ timeout: 30_000 });
  const boxW = (await chart.boundingBox())!.width;
  const svgW = (await svg.boundingBox())!.width;
  expect(svgW).toBeLessThanOrEqual(boxW + 1);
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 10_000 }).toBeLessThanOrEqual(390);

  // Action buttons show their whole label.
  for (const b of await page.getByTestId("action-button").all()) {
    const clipped = await b.evaluate((el) => el.scrollWidth > el.clientWidth + 1);
    expect(clipped).toBe(false);
  }
  await page.screenshot({ path: "test-results/operator-phone-chart.png" });
  await page.goto("/runbooks/stripe-reconciliation");
  await hydrated(page);
  await page.screenshot({ path: "test-results/operator-phone-runbook.png" });

  await page.locator('[data-id="stripe.reconcile"]').getByTestId("action-button").click();
  const run = page.getByRole("dialog").getByRole("button", { name: /^run$/i });
  await expect(run).toBeVisible();
  const r = (await run.boundingBox())!;
  expect(r.y + r.height).toBeLessThanOrEqual(844);
  await page.screenshot({ path: "test-results/operator-phone-dialog.png" });
});
