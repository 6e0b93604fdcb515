// Issue 34, item 8: charts people can read, at 1400×1000 and on a phone (390×844). Probe charts
// have time and value axes with units, threshold labels that do not overprint, deploy / action /
// alert markers, a range picker and drag-to-zoom that reload the window; a lone sample is said;
// inline PromQL charts have axes and re-read other ranges; cron history draws scheduled versus
// actual starts with the demo's stop as a missed span; /reports keeps every bar and label inside
// its chart and shows MTTA/MTTR per week.
import type { Locator, Page, TestInfo } from "@playwright/test";
import { expect, hydrated, test } from "./fixtures";

const VIEWPORTS = [
  { name: "desktop", width: 1400, height: 1000 },
  { name: "phone", width: 390, height: 844 },
] as const;

async function attach(page: Page, testInfo: TestInfo, name: string, target?: Locator) {
  const body = target ? await target.screenshot() : await page.screenshot({ fullPage: false });
  await testInfo.attach(name, { body, contentType: "image/png" });
}

/** Every label of a chart lies inside its SVG (nothing clipped at an edge). */
async function labelsInside(svg: Locator) {
  const box = (await svg.boundingBox())!;
  const texts = await svg.locator("text").evaluateAll((els) =>
    els
      .filter((e) => !(e.closest("[data-marker]") || e.closest(".chart-hover")))
      .map((e) => {
        const r = e.getBoundingClientRect();
        return { text: e.textContent ?? "", left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      }),
  );
  expect(texts.length).toBeGreaterThan(0);
  for (const t of texts) {
    expect(t.left, `"${t.text}" starts inside`).toBeGreaterThanOrEqual(box.x - 1);
    expect(t.right, `"${t.text}" ends inside`).toBeLessThanOrEqual(box.x + box.width + 1);
    expect(t.top, `"${t.text}" inside the top`).toBeGreaterThanOrEqual(box.y - 1);
    expect(t.bottom, `"${t.text}" inside the bottom`).toBeLessThanOrEqual(box.y + box.height + 1);
  }
  return texts;
}

async function noSidewaysScroll(page: Page, width: number) {
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 10_000 }).toBeLessThanOrEqual(width);
}

for (const vp of VIEWPORTS) {
  test.describe(`charts at ${vp.width}×${vp.height}`, () => {
    test.use({ viewport: { width: vp.width, height: vp.height } });

    test("probe chart: axes with units, thresholds apart, markers, range picker and zoom", async ({ asResponder: page }, testInfo) => {
      await page.goto("/runbooks/stripe-webhook-failures");
      await hydrated(page);
      const widget = page.locator('.widget-chart[data-id="stripe.webhook-backlog"]');
      const svg = widget.locator("svg.chart-svg");
      await expect(svg).toBeVisible({ timeout: 30_000 });
      await widget.scrollIntoViewIfNeeded();

      // A value axis in the probe's unit, a time axis on clock times.
      const values = await widget.locator('[data-axis="value"] text').allTextContents();
      expect(values.length).toBeGreaterThanOrEqual(2);
      for (const v of values) expect(v).toMatch(/^-?[\d.]+[kMG]? events$/);
      const times = await widget.locator('[data-axis="time"] text[data-tick]').allTextContents();
      expect(times.length).toBeGreaterThanOrEqual(2);
      await expect(widget.locator("[data-axis-zone]")).toHaveText("UTC"); // the reader's zone (UTC unless chosen on /settings), named on the axis
      for (const t of times) expect(t).toMatch(/^(\d{1,2} \w{3} )?\d{2}:\d{2}$|^\d{1,2} \w{3}$/);
      await labelsInside(svg);

      // warn > 0 and critical > 5 are labelled, and their labels do not overlap.
      const labels = widget.locator(".chart-threshold text");
      await expect(labels).toHaveCount(2);
      const [a, b] = [(await labels.nth(0).boundingBox())!, (await labels.nth(1).boundingBox())!];
      expect(a.y + a.height <= b.y || b.y + b.height <= a.y || a.x + a.width <= b.x || b.x + b.width <= a.x).toBe(true);

      // Markers from what the demo already stored: its deploys and the firing Stripe alert.
      await expect(widget.locator('[data-marker="deploy"]').first()).toBeAttached({ timeout: 15_000 });
      await expect(widget.locator('svg [data-marker="alert"]').first()).toBeAttached();
      await expect(widget.getByTestId("chart-markers")).toContainText("deploy: shop");
      await expect(widget.getByTestId("chart-markers")).toContainText(/alert: \w+/);

      // A lone sample is said, not drawn as a trend.
      const caption = (await widget.locator("figcaption").textContent()) ?? "";
      const count = Number(/(\d+) samples?/.exec(caption)?.[1] ?? "0");
      expect(count).toBeGreaterThan(0);
      if (count === 1) await expect(widget.getByTestId("chart-one-sample")).toContainText("Only one sample in this window");
      else await expect(widget.getByTestId("chart-one-sample")).toHaveCount(0);

      expect((await svg.boundingBox())!.width).toBeLessThanOrEqual((await widget.locator(".chart-box").boundingBox())!.width + 1);
      await noSidewaysScroll(page, vp.width);
      await attach(page, testInfo, `probe-chart-${vp.name}`, widget);

      // The range picker reloads the samples for that range.
      const oneHour = page.waitForResponse((r) => r.url().includes("/api/probes/stripe.webhook-backlog/history?range=1h") && r.status() === 200);
      await widget.getByRole("button", { name: "1h", exact: true }).click();
      await oneHour;
      await expect(widget).toHaveAttribute("data-range", "1h");
      await expect(widget.getByTestId("chart-window")).toHaveText("· last 1h");
      await expect(widget.getByRole("button", { name: "1h", exact: true })).toHaveAttribute("aria-pressed", "true");

      // Dragging across the chart zooms to what it covers: the samples of that window are read again.
      const box = (await svg.boundingBox())!;
      const zoomed = page.waitForResponse((r) => /history\?range=\d+m&end=\d+/.test(r.url()) && r.status() === 200);
      await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 5 });
      await page.mouse.up();
      await zoomed;
      await expect(widget).not.toHaveAttribute("data-end", "");
      await expect(widget.getByTestId("chart-window")).toHaveText(/· \d{4}-\d\d-\d\d \d\d:\d\d UTC – \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      await attach(page, testInfo, `probe-chart-zoomed-${vp.name}`, widget);
      await widget.getByRole("button", { name: "Reset" }).click();
      await expect(widget).toHaveAttribute("data-range", "24h");
      await expect(widget).toHaveAttribute("data-end", "");
      // A bad window is a 400 naming the field, not a 500.
      const bad = await page.request.get("/api/probes/stripe.webhook-backlog/history?range=1h&end=yesterday");
      expect(bad.status()).toBe(400);
      expect((await bad.json()).fieldErrors.end[0]).toContain("milliseconds");
    });

    test("cron run history: scheduled versus actual starts, the demo's stop as a missed span", async ({ asResponder: page }, testInfo) => {
      await page.goto("/runbooks/cron-jobs");
      await hydrated(page);
      const widget = page.locator('.widget-run-history[data-id="cron.autorelease"]');
      const svg = widget.locator("svg.chart-svg");
      await expect(svg).toBeVisible({ timeout: 30_000 });
      await widget.scrollIntoViewIfNeeded();
      // Scheduled starts and actual starts on one time axis; the value axis says how late.
      expect(await widget.locator('[data-series="scheduled"] circle').count()).toBeGreaterThan(10);
      expect(await widget.locator('[data-series="started (ok)"] circle, [data-series="started (failed)"] circle').count()).toBeGreaterThan(5);
      await expect(widget.locator('[data-axis="value"] text').first()).toHaveText("on time");
      expect((await widget.locator('[data-axis="time"] text[data-tick]').allTextContents()).length).toBeGreaterThanOrEqual(2);
      // The demo's AutoRelease stopped for hours: one shaded span of missed starts, listed with its length.
      await expect(widget.locator('svg [data-marker="gap"]').first()).toBeAttached();
      await expect(widget.getByTestId("chart-markers")).toContainText(/missed: no run for (\d+(\.\d)?h|\d+m) \(\d+ scheduled starts? missed\)/);
      await expect(widget.getByTestId("cron-run-caption")).toContainText(/\d+ scheduled starts? missed/);
      await labelsInside(svg);
      await noSidewaysScroll(page, vp.width);
      await attach(page, testInfo, `cron-history-${vp.name}`, widget);
    });

    test("inline PromQL chart: axes, legend, and other ranges read again", async ({ asResponder: page }, testInfo) => {
      await page.goto("/runbooks/as-written/checkout-latency");
      await hydrated(page);
      const block = page.locator(".live-block.live-promql").first();
      await block.getByRole("button", { name: "Chart 24h" }).click();
      const chart = block.getByTestId("promql-chart");
      await expect(chart.locator("svg.chart-svg")).toBeVisible({ timeout: 30_000 });
      expect((await chart.locator('[data-axis="value"] text').allTextContents()).length).toBeGreaterThanOrEqual(2);
      expect((await chart.locator('[data-axis="time"] text[data-tick]').allTextContents()).length).toBeGreaterThanOrEqual(2);
      await expect(chart.locator(".chart-legend-list li").first()).toBeVisible();
      await labelsInside(chart.locator("svg.chart-svg"));
      await attach(page, testInfo, `promql-chart-${vp.name}`, block);
      await chart.getByRole("button", { name: "6h", exact: true }).click();
      await expect(block.getByTestId("promql-chart").getByRole("button", { name: "6h", exact: true })).toHaveAttribute("aria-pressed", "true", { timeout: 30_000 });
      await noSidewaysScroll(page, vp.width);
    });

    test("/reports: no clipped bar or label, readable durations, MTTA/MTTR per week", async ({ asManager: page }, testInfo) => {
      await page.goto("/reports");
      await hydrated(page);
      const perWeek = page.locator('[aria-labelledby="per-week-title"] svg.chart-svg');
      await expect(perWeek).toBeVisible();
      // Every bar, the last one too, lies inside the chart.
      const svgBox = (await perWeek.boundingBox())!;
      const bars = perWeek.locator("rect.chart-bar");
      expect(await bars.count()).toBeGreaterThan(0);
      const last = (await bars.last().boundingBox())!;
      expect(last.x + last.width).toBeLessThanOrEqual(svgBox.x + svgBox.width);
      for (const v of await perWeek.locator('[data-axis="value"] text').allTextContents()) expect(v).toMatch(/^\d+$/); // whole incidents
      await labelsInside(perWeek);

      const means = page.locator('[aria-labelledby="mean-title"] svg.chart-svg');
      const ticks = await means.locator('[data-axis="value"] text').allTextContents();
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      for (const t of ticks) expect(t).toMatch(/^(0|\d+(\.\d)?(m|h|d))$/);
      expect(ticks.join(" ")).not.toMatch(/000m/);
      await labelsInside(means);

      const trend = page.getByTestId("mean-times-trend");
      await expect(trend.locator('[data-series="MTTA"] path')).toHaveAttribute("d", /M/);
      await expect(trend.locator('[data-series="MTTR"] path')).toHaveAttribute("d", /M/);
      await expect(trend.locator("tbody tr").first()).toContainText(/acknowledged/);
      await labelsInside(trend.locator("svg.chart-svg"));
      await noSidewaysScroll(page, vp.width);
      await attach(page, testInfo, `reports-${vp.name}`);
      await attach(page, testInfo, `reports-trend-${vp.name}`, trend);
    });
  });
}
