// Issue 25: every page carries a Content-Security-Policy (script nonces for Remix's inline scripts,
// no 'unsafe-inline' for scripts, frame-ancestors 'none'), and the portal still works under it:
// sign-in, the overview, a runbook with live widgets, a chart and a mermaid diagram, an action
// dialog — with no violation reported by the browser.
import type { Page } from "@playwright/test";
import { expect, hydrated, signInAs, test } from "./fixtures";

/** Collects every CSP violation the page reports: console errors and securitypolicyviolation events. */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy/i.test(msg.text())) seen.push(`console: ${msg.text()}`);
  });
  await page.exposeFunction("__cspViolation", (text: string) => void seen.push(`event: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __cspViolation(t: string): void }).__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return seen;
}

test("pages work under the Content-Security-Policy, and nothing is blocked", async ({ page }) => {
  test.setTimeout(120_000);
  const violations = await watchViolations(page);

  const login = await page.goto("/login");
  const policy = login!.headers()["content-security-policy"] ?? "";
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
  expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(policy).not.toMatch(/'unsafe-eval'/);
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toContain("default-src 'self'");
  // A fresh nonce per page, and Remix's inline scripts carry it.
  const again = (await page.request.get("/login")).headers()["content-security-policy"];
  expect(again).not.toBe(policy);
  const nonce = /'nonce-([^']+)'/.exec(policy)![1];
  const html = await (await page.request.get("/login")).text();
  expect(html).toMatch(/<script nonce="[^"]+"/);
  expect(html).not.toContain(`nonce="${nonce}"`); // that one belonged to the other page

  await signInAs(page, "admin");

  // The overview: cards, incidents, waiting decisions (hydrated, so its scripts ran).
  await page.goto("/");
  await hydrated(page);
  await expect(page.getByTestId("signed-in-user")).toContainText("admin");

  // A runbook with live widgets, a chart (SVG with style attributes) and a mermaid diagram (its own <style>).
  await page.goto("/runbooks/order-health");
  await hydrated(page);
  await expect(page.locator('[data-widget="status"][data-id="supabase.stuck-paid-orders"]').first().getByTestId("widget-value")).toHaveText(/\d+/, { timeout: 30_000 });
  await expect(page.locator(".chart-box svg.chart-svg").first()).toBeVisible({ timeout: 30_000 });
  const diagram = page.locator(".mermaid-diagram svg").first();
  await expect(diagram).toBeVisible({ timeout: 30_000 });
  await expect(diagram).toContainText("Webhook handler");
  await expect(page.locator("[data-mermaid-state='failed']")).toHaveCount(0);

  // An action dialog: the dry run is fetched and shown.
  await page.goto("/runbooks/demo-actions");
  await hydrated(page);
  await page.getByRole("button", { name: "Rotate the API signing key" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-preview")).toContainText("api-signing goes from version");
  await page.keyboard.press("Escape");

  // A client-side navigation and the live probe stream (EventSource, connect-src 'self').
  await page.getByRole("link", { name: "Incidents" }).first().click();
  await expect(page).toHaveURL(/\/incidents/);
  await hydrated(page);

  expect(violations).toEqual([]);
});

test("a page refuses to be framed by another site", async ({ page }) => {
  await signInAs(page, "viewer");
  const res = await page.request.get("/runbooks");
  expect(res.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(res.headers()["x-frame-options"]).toBe("DENY");
});
