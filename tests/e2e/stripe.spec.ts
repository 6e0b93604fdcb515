// Stripe reconciliation in the browser: on the runbook, run reconciliation against the Stripe
// sandbox and the firestore ledger, open the mismatch "transfer made, order not completed", run its
// guarded fix as admin, and find the run in the audit log.
import { startServer, type RunningServer } from "../helpers/server";
import { createFirestoreClient, type FirestoreClient } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import { startStripeSandbox, type StripeSandbox } from "../../plugins/stripe/sandbox";
import { DEMO_PASSWORD, expect, hydrated, test } from "./fixtures";
import { shopCatalog } from "../helpers/shop";

let firestore: FirestoreSandbox;
let stripe: StripeSandbox;
let client: FirestoreClient;
let portal: RunningServer;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  [firestore, stripe] = await Promise.all([startFirestoreSandbox({ catalog: shopCatalog }), startStripeSandbox({ catalog: shopCatalog })]);
  client = createFirestoreClient({ projectId: firestore.projectId, emulatorHost: firestore.host });
  portal = await startServer({
    config: {
      app: { demo: true },
      plugins: {
        firestore: wildlifeExchangeConfig(firestore),
        stripe: { secretKey: stripe.secretKey, apiBase: stripe.url, endpointSecrets: stripe.endpointSecrets, account: "e2e sandbox" },
      },
    },
    env: { OPSDECK_DEMO_PASSWORD: DEMO_PASSWORD, LOG_LEVEL: "error" },
  });
});

test.afterAll(async () => {
  await portal?.stop();
  await client?.close();
  await Promise.all([firestore?.stop(), stripe?.stop()]);
});

test("reconciliation → open a mismatch → run its fix as admin → audit entry", async ({ page }) => {
  test.setTimeout(120_000);
  const base = portal.baseUrl;
  page.on("pageerror", (e) => console.log("PAGEERROR", e.message));
  await page.goto(`${base}/login?redirectTo=${encodeURIComponent("/runbooks/stripe-reconciliation")}`);
  await hydrated(page);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("#runbook-title")).toHaveText("Stripe reconciliation");
  await hydrated(page);

  // Run reconciliation (low risk, read-only) with the runbook's preset window.
  await page.locator('[data-widget="action"][data-id="stripe.reconcile"]').first().getByRole("button").first().click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toHaveText(/low risk/);
  await expect(dialog.locator('input[name="window"]')).toHaveValue("7d");
  await expect(dialog.getByTestId("action-preview")).toContainText("Read-only");
  await dialog.getByRole("button", { name: /^run$/i }).click();

  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  const result = page.getByTestId("run-result");
  await expect(result).toContainText("3 mismatches (1 critical, 1 high, 1 medium)", { timeout: 20_000 });
  const rows = page.getByTestId("result-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText("wx-1035");
  await expect(rows.nth(0)).toContainText("critical");
  await expect(rows.nth(1)).toContainText("wx-1030");
  await expect(rows.nth(2)).toContainText("tr_demo_wx1046");

  // Open the medium one: payout transferred, order still "delivered". Its fix is the ledger's.
  const reconcileRun = page.url();
  const mismatch = rows.filter({ hasText: "wx-1046" });
  await expect(mismatch).toContainText('order is "delivered"');
  await mismatch.getByRole("button", { name: "Mark completed (with transfer id)" }).click();
  const fix = page.getByRole("dialog");
  await expect(fix.getByTestId("action-risk")).toHaveText(/high risk/);
  await expect(fix.locator('input[name="orderId"]')).toHaveValue("wx-1046");
  await expect(fix.locator('input[name="transferId"]')).toHaveValue("tr_demo_wx1046");
  await expect(fix.getByTestId("action-preview")).toContainText('"delivered" → "completed" with tr_demo_wx1046');
  await fix.getByTestId("action-confirm").fill("orders/wx-1046");
  await fix.getByRole("button", { name: /^run$/i }).click();

  await page.waitForURL((url) => url.href !== reconcileRun && /\/runs\/run_/.test(url.pathname));
  await hydrated(page);
  await expect(page.getByTestId("run-result")).toContainText(/completed/, { timeout: 20_000 });
  await expect(page.locator(".outcome-succeeded").first()).toBeVisible({ timeout: 20_000 });

  const doc = await client.db.doc("orders/wx-1046").get();
  expect(doc.get("status")).toBe("completed");
  expect(doc.get("stripeTransferId")).toBe("tr_demo_wx1046");

  // The audit log has both runs: the read-only reconciliation and the fix, naming the order.
  await page.goto(`${base}/audit`);
  await hydrated(page);
  // (The demo history holds earlier fixes of other orders: this one is the row naming wx-1046.)
  const fixEntry = page.getByRole("row").filter({ hasText: "firestore.set-order-status" }).filter({ hasText: "succeeded" }).filter({ hasText: "orders/wx-1046" });
  await expect(fixEntry).toHaveCount(1);
  await expect(fixEntry).toContainText("orders/wx-1046");
  await expect(fixEntry).toContainText("tr_demo_wx1046");
  // Newest first: this test's reconciliation (the demo history holds older ones).
  const reconcileEntry = page.getByRole("row").filter({ hasText: "stripe.reconcile" }).filter({ hasText: "succeeded" }).first();
  await expect(reconcileEntry).toContainText("3 mismatches");
});

test("webhook failures: resend a stuck event from the backlog table as admin", async ({ page }) => {
  test.setTimeout(120_000);
  const base = portal.baseUrl;
  await page.goto(`${base}/login?redirectTo=${encodeURIComponent("/runbooks/stripe-webhook-failures")}`);
  await hydrated(page);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("#runbook-title")).toHaveText("Stripe webhook failures");
  await hydrated(page);

  const backlog = page.locator('[data-widget="status"][data-id="stripe.webhook-backlog"]').first();
  await expect(backlog).toContainText("10 events still pending delivery", { timeout: 20_000 });
  const endpoints = page.locator('[data-widget="status"][data-id="stripe.webhook-endpoints"]').first();
  await expect(endpoints).toContainText("1 of 2 webhook endpoints disabled");

  // The backlog table: one row per undelivered event, each with its resend.
  const table = page.locator('[data-widget="table"][data-id="stripe.webhook-backlog"]').first();
  const row = table.getByTestId("result-row").filter({ hasText: "evt_demo_paid_wx1035" });
  await expect(row).toContainText("wx-1035");
  await row.getByRole("button", { name: /^Resend to / }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toHaveText(/high risk/);
  await expect(dialog.locator('input[name="eventId"]')).toHaveValue("evt_demo_paid_wx1035");
  await expect(dialog.getByTestId("action-preview")).toContainText("POST payment_intent.succeeded (evt_demo_paid_wx1035");
  await dialog.getByTestId("action-confirm").fill(`${stripe.primaryEndpoint.id}:evt_demo_paid_wx1035`);
  await dialog.getByRole("button", { name: /^run$/i }).click();

  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  await expect(page.getByTestId("run-result")).toContainText(/Delivered payment_intent\.succeeded evt_demo_paid_wx1035 to we_\w+: HTTP 200/, { timeout: 20_000 });
  await expect(page.getByTestId("run-log")).toContainText("endpoint answered 200");
  // The sandbox's receiver checked the signature with constructEvent and accepted it.
  expect(stripe.deliveries.filter((d) => d.eventId === "evt_demo_paid_wx1035" && d.status === 200)).toHaveLength(1);
});
