import fs from "node:fs";
import path from "node:path";
import url from "node:url";
import type { Page } from "@playwright/test";
import { expect, hydrated, test } from "./fixtures";

const RUNBOOKS = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), "../../runbooks/examples");
const WORD = "gsutil";

/** The heading was scrolled to: at the top of the window, or fully shown with the page scrolled to its end. */
async function scrolledTo(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    const atEnd = Math.ceil(window.scrollY + window.innerHeight) >= document.documentElement.scrollHeight - 2;
    return r.top >= -2 && r.bottom <= window.innerHeight && (r.top < 80 || (atEnd && window.scrollY > 0));
  });
}

test("search the runbook index, open the one match and follow its table of contents", async ({ asResponder: page }) => {
  const holders = fs.readdirSync(RUNBOOKS, { recursive: true }).map(String).filter((f) => f.endsWith(".md") && fs.readFileSync(path.join(RUNBOOKS, f), "utf8").toLowerCase().includes(WORD));
  expect(holders, `"${WORD}" must appear in exactly one runbook`).toHaveLength(1);
  const expectedPath = holders[0].replace(/\.md$/, "");

  await page.goto("/runbooks");
  await hydrated(page);
  const rows = page.locator("tr[data-runbook]");
  expect(await rows.count()).toBeGreaterThan(5);

  await page.getByLabel("Search runbooks").fill(WORD);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${WORD}`));
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-runbook", expectedPath);
  await expect(page.getByTestId("runbook-count")).toContainText(/1 of \d+ runbooks match · [\d.]+ ms/);

  await rows.first().getByRole("link").first().click();
  await expect(page).toHaveURL(new RegExp(`/runbooks/${expectedPath}$`));
  await hydrated(page);
  await expect(page.locator(".runbook-body")).toBeVisible();

  // the generated table of contents beside the text
  const toc = page.getByRole("navigation", { name: "On this page" });
  await toc.getByRole("link", { name: "After a restore" }).click();
  await expect(page).toHaveURL(/#after-a-restore$/);
  await expect.poll(() => scrolledTo(page, "#after-a-restore")).toBe(true);

  // the runbook's own in-page contents list
  await page.locator(".runbook-body a[href='#backup-policy']").click();
  await expect(page).toHaveURL(/#backup-policy$/);
  await expect.poll(() => scrolledTo(page, "#backup-policy")).toBe(true);

  // task checkboxes are live
  const box = page.locator(".runbook-body input[data-task]").first();
  await expect(box).toBeEnabled();
  await box.check();
  await expect(box).toBeChecked();
});

test("a runbook's own in-page contents link scrolls to its heading", async ({ asViewer: page }) => {
  await page.goto("/runbooks/incident-response");
  await hydrated(page);
  await page.locator(".runbook-body a[href='#report-template']").click();
  await expect(page).toHaveURL(/#report-template$/);
  await expect.poll(() => scrolledTo(page, "#report-template")).toBe(true);
  // a directive-free page still gets its code blocks' copy buttons
  await expect(page.locator(".runbook-body .code-block .copy-code").first()).toBeVisible();
});
