// Chart axes follow the reader's time preference (#33): UTC by default, their own zone once chosen
// on /settings, the zone named at the start of the time axis, the zoomed window and the inline
// PromQL chart's caption in the same zone. At 1400x1000 and 390x844, screenshots attached.
import type { Locator, Page, TestInfo } from "@playwright/test";
import { expect, hydrated, test } from "./fixtures";

const VIEWPORTS = [
  { name: "desktop", width: 1400, height: 1000 },
  { name: "phone", width: 390, height: 844 },
] as const;

/** "HH:MM" of an instant on a zone's clock. */
function clockIn(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(at));
}

/** The zone's name and the tick labels of a chart's time axis; the name never overprints a tick, and each tick's label is its instant's time on `timeZone`'s clock. */
async function timeAxis(svg: Locator, timeZone: string) {
  const zone = svg.locator("[data-axis-zone]");
  const ticks = svg.locator('[data-axis="time"] text[data-tick]');
  await expect(ticks.first()).toBeVisible();
  const z = (await zone.boundingBox())!;
  const first = (await ticks.first().boundingBox())!;
  const box = (await svg.boundingBox())!;
  expect(z.x + z.width, "the zone's name ends before the first tick label").toBeLessThanOrEqual(first.x + 1);
  expect(z.x).toBeGreaterThanOrEqual(box.x - 1);
  const placed = await ticks.evaluateAll((els) => els.map((e) => ({ label: e.textContent ?? "", at: Number(e.getAttribute("data-at")) })));
  for (const t of placed) if (/\d\d:\d\d$/.test(t.label)) expect(t.label.slice(-5), `tick ${t.label}`).toBe(clockIn(t.at, timeZone));
  return { zone: await zone.textContent(), ticks: placed };
}

async function attach(page: Page, testInfo: TestInfo, name: string, target: Locator) {
  await testInfo.attach(name, { body: await target.screenshot({ path: `tests/.tmp/${name}.png` }), contentType: "image/png" });
}

for (const vp of VIEWPORTS) {
  test.describe(`chart zone at ${vp.width}×${vp.height}`, () => {
    test.use({ viewport: { width: vp.width, height: vp.height } });

    test("probe chart axis in UTC by default, in New York time once chosen", async ({ asResponder: page }, testInfo) => {
      await page.goto("/runbooks/stripe-webhook-failures");
      await hydrated(page);
      const widget = page.locator('.widget-chart[data-id="stripe.webhook-backlog"]');
      const svg = widget.locator("svg.chart-svg");
      await expect(svg).toBeVisible({ timeout: 30_000 });
      await widget.scrollIntoViewIfNeeded();
      const utc = await timeAxis(svg, "UTC");
      expect(utc.zone).toBe("UTC");
      await expect(svg.locator("[data-axis-zone]")).toHaveAttribute("data-axis-zone", "UTC");
      await attach(page, testInfo, `chart-utc-${vp.name}`, widget);

      // The settings form's choice, as the browser would send it with its own zone.
      const saved = await page.request.post("/settings", { form: { mode: "local", zone: "America/New_York" } });
      expect(saved.status()).toBe(200);
      await page.goto("/runbooks/stripe-webhook-failures");
      await hydrated(page);
      await expect(svg).toBeVisible({ timeout: 30_000 });
      await widget.scrollIntoViewIfNeeded();
      await expect(svg.locator("[data-axis-zone]")).toHaveAttribute("data-axis-zone", "America/New_York");
      const ny = await timeAxis(svg, "America/New_York");
      expect(ny.zone).toMatch(/^E[SD]T(\/E[SD]T)?$/);
      // The same 24 hours on New York's clock: ticks on New York's round hours, not on UTC's.
      expect(ny.ticks.map((t) => t.at)).not.toEqual(utc.ticks.map((t) => t.at));
      await attach(page, testInfo, `chart-new-york-${vp.name}`, widget);

      // A zoomed window is said in the same zone.
      // (A drag while the chart reloads for the probe's newest reading is lost with the redrawn chart: dragged again.)
      for (let attempt = 1; ; attempt++) {
        // The whole chart in view, clear of the header.
        await svg.evaluate((e) => e.scrollIntoView({ block: "center" }));
        const box = (await svg.boundingBox())!;
        const zoomed = page.waitForResponse((r) => /history\?range=\d+m&end=\d+/.test(r.url()) && r.status() === 200, { timeout: 10_000 });
        await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 5 });
        await page.mouse.up();
        try {
          await zoomed;
          break;
        } catch (err) {
          if (attempt === 3) throw err;
        }
      }
      await expect(widget.getByTestId("chart-window")).toHaveText(/· \d{4}-\d\d-\d\d \d\d:\d\d E[SD]T – \d{4}-\d\d-\d\d \d\d:\d\d E[SD]T/);

      // Back to UTC for whoever signs in next.
      expect((await page.request.post("/settings", { form: { mode: "utc" } })).status()).toBe(200);
    });
  });
}
