import { expect, hydrated, signInAs, test, type DemoUser } from "./fixtures";

const ACCOUNTS: { user: DemoUser; roles: string }[] = [
  { user: "viewer", roles: "viewer" },
  { user: "responder", roles: "responder" },
  { user: "admin", roles: "admin" },
  { user: "admin2", roles: "admin" },
  { user: "manager", roles: "manager" },
];

for (const { user, roles } of ACCOUNTS) {
  test(`${user} signs in and sees the shell`, async ({ page }) => {
    await signInAs(page, user);
    await expect(page.getByRole("status").filter({ hasText: "Demo mode" })).toBeVisible();
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const label of ["Overview", "Runbooks", "Incidents", "Audit", "Reports"]) {
      await expect(nav.getByRole("link", { name: label })).toBeVisible();
    }
    await expect(page.getByTestId("signed-in-user")).toContainText(roles);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  });
}

test("a wrong password shows an error and keeps the visitor signed out", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username").fill("viewer");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("Wrong username or password");
});

test("the shell is keyboard accessible: skip link and focusable navigation", async ({ page }) => {
  await signInAs(page, "viewer");
  await page.goto("/runbooks");
  await hydrated(page);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Opsdeck" })).toBeFocused();
});

test("an unknown page shows the friendly 404 inside the shell", async ({ page }) => {
  await signInAs(page, "viewer");
  const res = await page.goto("/no/such/page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
});
