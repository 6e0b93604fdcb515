// Critical requests approved by a second admin in the browser (defect 3): admin requests a Stripe
// refund from the reconciliation result, admin2 approves it from the audit page, the refund runs;
// the same with the portal restarted between request and approval.
import type { Browser, Page } from "@playwright/test";
import { startServer, type RunningServer } from "../helpers/server";
import { createFirestoreClient } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import { startStripeSandbox, type StripeSandbox } from "../../plugins/stripe/sandbox";
import { DEMO_PASSWORD, expect, hydrated, test } from "./fixtures";
import { shopCatalog } from "../helpers/shop";

interface World {
  firestore: FirestoreSandbox;
  stripe: StripeSandbox;
  portal: RunningServer;
  config: Record<string, unknown>;
}

const worlds: World[] = [];

async function startWorld(): Promise<World> {
  const [firestore, stripe] = await Promise.all([startFirestoreSandbox({ catalog: shopCatalog }), startStripeSandbox({ catalog: shopCatalog })]);
  // The buyer of wx-1045 cancelled, but nobody refunded the payment: reconciliation offers the refund.
  const client = createFirestoreClient({ projectId: firestore.projectId, emulatorHost: firestore.host });
  await client.db.doc("orders/wx-1045").update({ status: "cancelled" });
  await client.close();
  const config = {
    app: { demo: true },
    plugins: {
      firestore: wildlifeExchangeConfig(firestore),
      stripe: { secretKey: stripe.secretKey, apiBase: stripe.url, endpointSecrets: stripe.endpointSecrets, account: "e2e sandbox" },
    },
  };
  const portal = await startServer({ config, env: { OPSDECK_DEMO_PASSWORD: DEMO_PASSWORD, LOG_LEVEL: "error" } });
  const world = { firestore, stripe, portal, config };
  worlds.push(world);
  return world;
}

test.afterAll(async () => {
  for (const w of worlds) {
    await w.portal.stop().catch(() => {});
    await Promise.all([w.firestore.stop(), w.stripe.stop()]).catch(() => {});
  }
});

async function signIn(page: Page, base: string, user: "admin" | "admin2", to: string) {
  await page.goto(`${base}/login?redirectTo=${encodeURIComponent(to)}`);
  await hydrated(page);
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await hydrated(page);
}

/** As admin: Stripe reconciliation → the cancelled order's "Refund the payment" → Request approval. Returns the run page URL. */
async function requestRefund(page: Page, base: string): Promise<string> {
  await signIn(page, base, "admin", "/runbooks/stripe-reconciliation");
  await expect(page.locator("#runbook-title")).toHaveText("Stripe reconciliation");
  await page.locator('[data-widget="action"][data-id="stripe.reconcile"]').first().getByRole("button").first().click();
  await page.getByRole("dialog").getByRole("button", { name: /^run$/i }).click();
  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  const row = page.getByTestId("result-row").filter({ hasText: "wx-1045" });
  await expect(row).toContainText('is "cancelled" and the payment was not refunded', { timeout: 20_000 });
  await expect(row).toBeVisible({ timeout: 20_000 });
  const reconcileRun = page.url();
  await row.getByRole("button", { name: "Refund the payment" }).click();

  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toHaveText(/critical/);
  await expect(dialog.getByTestId("action-preview")).toContainText(/Refund .* USD/);
  const target = (await dialog.locator('input[name="paymentIntentId"]').inputValue()).trim();
  await dialog.getByTestId("action-confirm").fill(target);
  await dialog.getByTestId("approval-reason").fill("The order was cancelled but the buyer was charged");
  await dialog.getByRole("button", { name: "Request approval" }).click();
  await page.waitForURL((url) => url.href !== reconcileRun && /\/runs\/run_/.test(url.pathname));
  await hydrated(page);
  return page.url();
}

/** As admin2 on /audit: the card shows what the requester saw; Approve; the refund runs. */
async function approveAndWatch(browser: Browser, base: string, runUrl: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await signIn(page, base, "admin2", "/audit");
    const runId = new URL(runUrl).pathname.split("/").pop()!;
    const card = page.getByTestId("approval-card").filter({ has: page.locator(`a[href="/runs/${runId}"]`) });
    await expect(card).toContainText("stripe.refund");
    await expect(card.getByTestId("approval-summary")).toContainText(/Refund \d+\.\d\d USD/);
    await expect(card.getByTestId("approval-reason-text")).toHaveText("The order was cancelled but the buyer was charged");
    await expect(card.getByTestId("approval-blast-radius")).toHaveText("1");
    await expect(card.getByTestId("approval-field-paymentIntentId")).toHaveText("pi_demo_wx1045");
    await expect(card.getByTestId("approval-summary")).toContainText("Refund 210.00 USD (everything still refundable) on pi_demo_wx1045");
    await card.getByTestId("approval-confirm").fill("pi_demo_wx1045");
    await card.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByTestId("card-decision-message")).toContainText("Approved: the run starts now.");

    await page.goto(`${base}/runs/${runId}`);
    await hydrated(page);
    await expect(page.getByTestId("run-result")).toContainText(/Refunded .* USD on pi_/, { timeout: 30_000 });
    await page.screenshot({ path: `.cache/test-reports/approvals-${runId}.png`, fullPage: true });
  } finally {
    await context.close();
  }
}

test("admin requests a Stripe refund, admin2 approves it from the audit page, the refund runs", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const w = await startWorld();
  const runUrl = await requestRefund(page, w.portal.baseUrl);
  await approveAndWatch(browser, w.portal.baseUrl, runUrl);
});

test("the same with the portal restarted between request and approval", async ({ page, browser }) => {
  test.setTimeout(240_000);
  const w = await startWorld();
  const runUrl = await requestRefund(page, w.portal.baseUrl);
  await w.portal.stop();
  // Same folder (store, keys) and the same sandboxes: only the portal process is new.
  w.portal = await startServer({ dir: w.portal.dir, config: w.config, env: { OPSDECK_DEMO_PASSWORD: DEMO_PASSWORD, LOG_LEVEL: "error" } });
  const restartedUrl = runUrl.replace(/^http:\/\/[^/]+/, w.portal.baseUrl);
  await approveAndWatch(browser, w.portal.baseUrl, restartedUrl);
});
