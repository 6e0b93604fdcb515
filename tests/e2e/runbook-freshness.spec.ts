import { expect, hydrated, test } from "./fixtures";

test("sort the runbook index by broken widgets, open the first and read its freshness line", async ({ asResponder: page }) => {
  // The scheduler's first verification pass runs once the first probe round is in.
  await expect(async () => {
    await page.goto("/runbooks");
    await expect(page.locator('td[data-col="verified"]').filter({ hasNotText: "not yet" }).first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 90_000, intervals: [2000] });
  await hydrated(page);
  const rows = page.locator("tr[data-runbook]");
  const total = await rows.count();
  expect(total).toBeGreaterThan(5);
  for (const name of ["Verified", "Broken widgets", "Last used", "Edited"]) await expect(page.getByRole("columnheader", { name })).toBeVisible();

  await page.getByLabel("Sort by").selectOption("broken");
  await expect(page).toHaveURL(/[?&]sort=broken/);
  await expect(rows).toHaveCount(total);
  const brokenCounts = () => rows.locator('td[data-col="broken"]').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute("data-broken"))));
  // The URL changes as the navigation lands; the sorted rows render right after it.
  await expect.poll(async () => { const c = await brokenCounts(); return c.join() === [...c].sort((a, b) => b - a).join(); }, { timeout: 10_000 }).toBe(true);
  const counts = await brokenCounts();
  expect(counts).toEqual([...counts].sort((a, b) => b - a));
  await page.screenshot({ path: "tests/.tmp/runbook-freshness-index.png", fullPage: false });

  const first = rows.first();
  const path = await first.getAttribute("data-runbook");
  await first.getByRole("link").first().click();
  await expect(page).toHaveURL(new RegExp(`/runbooks/${path}$`));
  await hydrated(page);
  const line = page.getByTestId("runbook-freshness");
  await expect(line).toContainText(/Verified .*ago|Not verified in the last day/);
  await expect(line).toContainText(`${counts[0]} broken widget`);
  await expect(line).toContainText(/last used in .+ ago|never used in an incident/);
  await expect(line).toContainText(/edited .*ago/);
  if (counts[0] > 0) {
    await line.getByText("Which widgets are broken").click();
    await expect(page.getByTestId("broken-widgets").locator("li")).toHaveCount(counts[0]);
  }
  await page.screenshot({ path: "tests/.tmp/runbook-freshness.png", fullPage: false });

  // An unknown sort is ignored, never an error.
  const res = await page.goto("/runbooks?sort=nonsense");
  expect(res?.status()).toBe(200);
  await expect(rows).toHaveCount(total);
});
