import { test as base, expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "e2e-password";
export type DemoUser = "viewer" | "responder" | "admin" | "admin2" | "manager";

/** Waits until React has hydrated (clicks before that do nothing). */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForSelector("html[data-hydrated='true']");
}

export async function signInAs(page: Page, user: DemoUser, redirectTo = "/"): Promise<void> {
  await page.goto(`/login?redirectTo=${encodeURIComponent(redirectTo)}`);
  await hydrated(page);
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-user")).toContainText(user);
  await hydrated(page);
}

/** A test with one page signed in per role: `test("…", async ({ adminPage }) => …)`. */
export const test = base.extend<{ asViewer: Page; asResponder: Page; asAdmin: Page; asAdmin2: Page; asManager: Page }>({
  asViewer: async ({ page }, use) => { await signInAs(page, "viewer"); await use(page); },
  asResponder: async ({ page }, use) => { await signInAs(page, "responder"); await use(page); },
  asAdmin: async ({ page }, use) => { await signInAs(page, "admin"); await use(page); },
  asAdmin2: async ({ page }, use) => { await signInAs(page, "admin2"); await use(page); },
  asManager: async ({ page }, use) => { await signInAs(page, "manager"); await use(page); },
});
export { expect };
