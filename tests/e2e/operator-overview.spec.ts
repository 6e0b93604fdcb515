// Item 4 of issue 13: the overview routes a responder to the right runbook: open incidents, what
// waits for an admin, a search box, and "runbooks to open" that only lists runbooks that show the
// probe (or name what it reads) — never a plugin's unrelated runbooks.
import { expect, hydrated, test } from "./fixtures";

for (const viewport of [{ width: 1366, height: 768 }, { width: 390, height: 844 }]) {
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });

    test("open incidents, waiting approvals, search, and the right runbooks to open", async ({ asAdmin: page }) => {
      const title = `Checkout errors ${viewport.width}-${Date.now()}`;
      expect((await page.request.post("/api/incidents", { data: { title, severity: "P1", runbook: "stripe-webhook-failures" } })).status()).toBe(201);
      // A critical action waiting for a second admin (a critical request says why).
      const key = `overview-${viewport.width}-${Date.now()}`;
      const asked = await page.request.post("/api/actions/demo.purge-queue", { data: { input: { queue: "dead-letter" }, confirm: "dead-letter", idempotencyKey: key, reason: "dead letters from the checkout incident" } });
      expect(asked.status()).toBe(202);

      await page.goto("/");
      await hydrated(page);
      await expect(page.getByTestId("open-incidents")).toContainText(title);
      await expect(page.getByTestId("pending-decisions")).toContainText(/Purge/);

      // Probes no runbook shows in a widget point at the runbook that names what they read.
      // By its probe id: a deploy's commit message ("Refactor Stripe webhook handler") names it too.
      const handler = page.getByTestId("problems").locator('[data-probe="firestore.stripe-webhook-health"]');
      await expect(handler).toHaveCount(1);
      await expect(handler.getByTestId("runbooks-to-open")).toContainText("Stripe webhook failures");
      await expect(handler).not.toContainText("AutoRelease");
      await expect(handler).not.toContainText("Firestore backup");
      for (const row of await page.getByTestId("problems").locator("[data-probe]").all()) {
        await expect(row).not.toContainText("runbooks for");
      }
      await page.screenshot({ path: `test-results/operator-overview-${viewport.width}.png` });

      await page.getByRole("searchbox", { name: "Search runbooks" }).fill("webhook");
      await page.getByRole("button", { name: "Search" }).click();
      await page.waitForURL(/\/runbooks\?q=webhook/);
      await expect(page.locator("main")).toContainText("Stripe webhook failures");
    });
  });
}
