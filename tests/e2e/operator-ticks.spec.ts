// Issue 34, item 9: during an incident everyone sees the same checklist ticks live, with who ticked
// and when, and the ticks join the incident's timeline — a responder and admin2 in two browser
// contexts on one runbook, at 1400×1000 and on a phone (390×844), where the timeline is not cut off.
import type { Browser, Page, TestInfo } from "@playwright/test";
import { expect, hydrated, signInAs, test, type DemoUser } from "./fixtures";

const RUNBOOK = "/runbooks/incident-response";
const VIEWPORTS = [
  { name: "desktop", width: 1400, height: 1000 },
  { name: "phone", width: 390, height: 844 },
] as const;

async function openAs(browser: Browser, user: DemoUser, viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await signInAs(page, user);
  return page;
}

async function attach(testInfo: TestInfo, name: string, page: Page) {
  await testInfo.attach(name, { body: await page.screenshot(), contentType: "image/png" });
}

for (const vp of VIEWPORTS) {
  test(`checklist ticks are shared live between a responder and admin2, and join the timeline (${vp.width}×${vp.height})`, async ({ browser }, testInfo) => {
    const viewport = { width: vp.width, height: vp.height };
    const responder = await openAs(browser, "responder", viewport);
    const admin2 = await openAs(browser, "admin2", viewport);
    try {
      // The responder declares an incident from the runbook.
      await responder.goto(RUNBOOK);
      await hydrated(responder);
      const bar = responder.getByTestId("incident-bar");
      const title = `E2E shared ticks ${vp.name} ${Date.now()}`;
      await bar.getByRole("button", { name: "Declare incident" }).click();
      await bar.getByLabel("Title").fill(title);
      await bar.getByRole("button", { name: "Declare", exact: true }).click();
      await expect(bar.getByLabel("Record on incident").locator("option:checked")).toHaveText(new RegExp(title));
      const id = await bar.getByLabel("Record on incident").inputValue();

      // admin2 opens the same runbook and records on the same incident.
      await admin2.goto(RUNBOOK);
      await hydrated(admin2);
      const bar2 = admin2.getByTestId("incident-bar");
      await bar2.getByLabel("Record on incident").selectOption(id);
      await expect(bar2.getByTestId("shared-ticks")).toContainText("0 ticked");

      const boxes = (page: Page) => page.locator(".runbook-body input[type=checkbox][data-task]");
      const first = await boxes(responder).nth(0).getAttribute("data-task");
      const second = await boxes(responder).nth(1).getAttribute("data-task");

      // The responder ticks: admin2 sees it within a few seconds, with who and when, without reloading.
      const t0 = Date.now();
      await boxes(responder).nth(0).check();
      await expect(bar.getByRole("status")).toContainText("Ticked");
      await expect(boxes(admin2).nth(0)).toBeChecked({ timeout: 8_000 });
      const seenAfter = Date.now() - t0;
      expect(seenAfter).toBeLessThan(8_000);
      const by = admin2.locator(`.tick-by[data-tick-for="${first}"]`);
      await expect(by).toHaveText(/^ticked by responder at \d\d:\d\d UTC$/);
      await expect(bar2.getByTestId("shared-ticks")).toContainText("1 ticked · last by responder");
      await boxes(admin2).nth(0).scrollIntoViewIfNeeded();
      await attach(testInfo, `admin2-sees-responder-tick-${vp.name}`, admin2);

      // admin2 ticks the next one, and unticks nothing: the responder sees admin2's tick.
      await boxes(admin2).nth(1).check();
      await expect(boxes(responder).nth(1)).toBeChecked({ timeout: 8_000 });
      await expect(responder.locator(`.tick-by[data-tick-for="${second}"]`)).toHaveText(/^ticked by admin2 at \d\d:\d\d UTC$/);
      await expect(boxes(responder).nth(0)).toBeChecked();
      // An untick is shared too.
      await boxes(responder).nth(0).uncheck();
      await expect(boxes(admin2).nth(0)).not.toBeChecked({ timeout: 8_000 });
      await expect(by).toHaveText(/^unticked by responder at/);
      await boxes(responder).nth(0).scrollIntoViewIfNeeded();
      await attach(testInfo, `responder-sees-admin2-tick-${vp.name}`, responder);

      // The ticks are on the incident's timeline, each with its author.
      await admin2.goto(`/incidents/${id}`);
      await hydrated(admin2);
      const rows = admin2.locator('li.tl-entry[data-kind="checklist"]');
      await expect(rows).toHaveCount(3);
      await expect(rows.filter({ hasText: "admin2" })).toContainText("Ticked:");
      await expect(rows.filter({ hasText: "Unticked:" })).toContainText("responder");
      // Nothing of the timeline is cut off on a phone: every row and its tools lie inside the screen.
      await expect.poll(() => admin2.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(vp.width);
      for (const row of await admin2.locator("li.tl-entry").all()) {
        const box = (await row.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(vp.width);
        const tools = (await row.locator(".tl-tools").boundingBox())!;
        expect(tools.x + tools.width).toBeLessThanOrEqual(vp.width);
      }
      await rows.first().scrollIntoViewIfNeeded();
      await attach(testInfo, `incident-timeline-${vp.name}`, admin2);
    } finally {
      await responder.context().close();
      await admin2.context().close();
    }
  });
}
