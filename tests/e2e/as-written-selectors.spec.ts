import { expect, hydrated, test } from "./fixtures";

// A metric selector named in a sentence (#33): "webhook_events_total{status="error"} climbs as well"
// offers a read of exactly that selector, the button naming it; the sentence around it is prose.
test("a responder reads the metric a sentence names, at 1400x1000 and 390x844", async ({ asResponder: page }) => {
  await page.goto("/runbooks/as-written/checkout-latency");
  await hydrated(page);
  const show = page.getByRole("button", { name: 'Show value of webhook_events_total{status="error"}' });
  await expect(show).toBeEnabled();
  const block = page.locator(".live-block.live-promql").filter({ has: show });
  await show.click();
  // The demo shop's error counter: one series, a number.
  await expect(block.locator(".live-result")).toContainText(/webhook_events_total|status="error"|\d/);
  await expect(block.locator(".live-error")).toHaveCount(0);
  await block.screenshot({ path: "tests/.tmp/as-written-selector-1400.png" });
  await page.setViewportSize({ width: 390, height: 844 });
  await block.scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: "tests/.tmp/as-written-selector-390.png" });
});
