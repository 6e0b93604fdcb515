// The demo world answers back: on the fresh demo data folder the browser tests start, a manager
// finds the shop's past in /reports, and an admin fixes the shop's Stripe webhooks the way the
// runbook says (resend → 400 → sync the secret → resend), watching the widgets change in place.
import type { Page } from "@playwright/test";
import { expect, hydrated, test } from "./fixtures";

test("a manager sees the past incidents in every chart, MTTA/MTTR per severity and a past-due prevention item", async ({ asManager: page }) => {
  test.setTimeout(150_000);
  // The history is written beside the start (seconds on a busy machine): reload until it is in.
  await expect(async () => {
    await page.goto("/reports");
    await expect(page.locator(".reports-page .muted").first()).toContainText(/(1\d|[2-9]\d) incidents declared/, { timeout: 1_000 });
    await expect(page.getByTestId("overdue")).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 90_000 });
  await hydrated(page);
  const perWeek = page.getByTestId("per-week").locator("tbody tr");
  expect(await perWeek.count()).toBeGreaterThanOrEqual(8);
  const means = page.getByTestId("mean-times").locator("tbody tr");
  for (const [i, s] of ["P1", "P2", "P3", "P4"].entries()) {
    const row = means.nth(i);
    await expect(row.locator("td").first()).toHaveText(s);
    await expect(row.locator("td").nth(1)).not.toHaveText("—");
    await expect(row.locator("td").nth(2)).not.toHaveText("—");
  }
  // Every chart draws: per week, mean times and the weekly trend as SVG, actions and runbooks as bars.
  await expect(page.locator(".chart-box svg.chart-svg")).toHaveCount(3);
  await expect(page.locator(".chart-box .hbar-chart")).toHaveCount(2);
  await expect(page.locator("rect.chart-bar").first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Stripe webhooks failing after signing-secret rotation" }).first()).toBeVisible();
  const overdue = page.getByTestId("overdue");
  await expect(overdue).toContainText("Rotation checklist: update the secret in the app before rolling it in Stripe");
  await page.screenshot({ path: "tests/.tmp/demo-reports.png", fullPage: true });

  // A past incident's report is filled in, and marked as demo data.
  await page.getByRole("link", { name: "Stripe webhooks failing after signing-secret rotation" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Stripe webhooks failing after signing-secret rotation");
  await expect(page.locator("li.tl-entry[data-kind=\"action\"]").filter({ hasText: "demo.sync-shop-webhook-secret" }).first()).toBeVisible();
  await expect(page.locator("body")).toContainText("Demo data");
});

async function runFromDialog(page: Page, confirm: string) {
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toHaveText(/high risk/);
  await dialog.getByTestId("action-confirm").fill(confirm);
  await dialog.getByRole("button", { name: /^run$/i }).click();
  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
}

test("resend → 400 → sync the shop's secret → resend → backlog drains, the order appears, reconcile is clean; audit and timeline hold the runs", async ({ asAdmin: page }) => {
  test.setTimeout(300_000);
  // An incident linking both runbooks (and so the stripe, firestore and demo plugins): every run joins it.
  const declared = await page.request.post("/api/incidents", {
    data: { title: "Demo shop: Stripe webhooks refused", severity: "P2", runbooks: ["stripe-webhook-failures", "demo-actions"] },
  });
  expect(declared.status()).toBe(201);
  const incidentId = ((await declared.json()) as { id: string }).id;
  await page.goto("/runbooks/stripe-webhook-failures");
  await hydrated(page);
  await expect(page.getByTestId("incident-bar").getByLabel("Record on incident")).toHaveValue(incidentId);

  const backlog = page.locator('[data-widget="status"][data-id="stripe.webhook-backlog"]').first();
  await expect(backlog).toContainText("10 events still pending delivery", { timeout: 30_000 });
  const orders = page.locator('[data-widget="table"][data-id="firestore.recent-orders"]').first();
  await expect(orders).toContainText("wx-1034", { timeout: 30_000 });
  await expect(orders).not.toContainText("wx-1035");

  // 1. Resend the stuck event: the shop still holds the old secret and answers 400.
  const row = page.locator('[data-widget="table"][data-id="stripe.webhook-backlog"]').first().getByTestId("result-row").filter({ hasText: "evt_demo_paid_wx1035" });
  await row.getByRole("button", { name: /^Resend to / }).click();
  const endpointId = await page.getByRole("dialog").locator('input[name="endpointId"]').inputValue();
  expect(endpointId).toMatch(/^we_/);
  await runFromDialog(page, `${endpointId}:evt_demo_paid_wx1035`);
  await expect(page.getByTestId("run-status")).toHaveText("failed", { timeout: 20_000 });
  await expect(page.locator("main")).toContainText(/answered 400: .*Webhook signature verification failed/);

  // 2. The runbook's fix: make the shop's STRIPE_WEBHOOK_SECRET match the endpoint's secret.
  await page.goto("/runbooks/demo-actions");
  await hydrated(page);
  await expect(page.getByTestId("incident-bar").getByLabel("Record on incident")).toHaveValue(incidentId);
  await page.getByRole("button", { name: "Sync the shop's STRIPE_WEBHOOK_SECRET" }).click();
  await expect(page.getByRole("dialog").getByTestId("action-preview")).toContainText("does not match the signing secret of");
  await runFromDialog(page, "shop:STRIPE_WEBHOOK_SECRET");
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 20_000 });
  await expect(page.getByTestId("run-result")).toContainText("now matches");

  // 3. Resend again: accepted. Stripe's own retries drain the rest of the backlog.
  await page.goto("/runbooks/stripe-webhook-failures");
  await hydrated(page);
  const resend = page.locator('[data-widget="action"][data-id="stripe.resend-event"]').first();
  await resend.getByRole("button").first().click();
  const dialog = page.getByRole("dialog");
  await dialog.locator('input[name="eventId"]').fill("evt_demo_paid_wx1035");
  await dialog.locator('input[name="endpointId"]').fill(endpointId);
  await runFromDialog(page, `${endpointId}:evt_demo_paid_wx1035`);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 20_000 });
  await expect(page.getByTestId("run-result")).toContainText(/HTTP 200/);

  // The widgets change without a reload, within the demo's retry interval and probe refresh.
  await page.goto("/runbooks/stripe-webhook-failures");
  await hydrated(page);
  const url = page.url();
  await expect(page.locator('[data-widget="status"][data-id="stripe.webhook-backlog"]').first()).toContainText("All events of the last 6h delivered", { timeout: 100_000 });
  const created = page.locator('[data-widget="table"][data-id="firestore.recent-orders"]').first().getByRole("row").filter({ hasText: "wx-1035" });
  await expect(created).toContainText("pi_demo_wx1035", { timeout: 100_000 });
  await expect(page.locator('[data-widget="status"][data-id="firestore.stuck-paid-orders"]').first()).not.toContainText(/^[1-9]/, { timeout: 60_000 });
  expect(page.url()).toBe(url);
  await page.screenshot({ path: "tests/.tmp/demo-webhooks-fixed.png", fullPage: true });

  // 4. A new reconcile no longer lists the order.
  await page.goto("/runbooks/stripe-reconciliation");
  await hydrated(page);
  await page.locator('[data-widget="action"][data-id="stripe.reconcile"]').first().getByRole("button").first().click();
  await page.getByRole("dialog").getByRole("button", { name: /^run$/i }).click();
  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  await expect(page.getByTestId("run-result")).toContainText(/mismatch/, { timeout: 30_000 });
  await expect(page.getByTestId("result-row").filter({ hasText: "wx-1030" })).toHaveCount(1);
  await expect(page.getByTestId("result-row").filter({ hasText: "wx-1035" })).toHaveCount(0);

  // 5. The audit log and the incident's timeline hold the three runs.
  await page.goto("/audit");
  await hydrated(page);
  await expect(page.getByRole("row").filter({ hasText: "stripe.resend-event" }).filter({ hasText: "failed" }).first()).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "demo.sync-shop-webhook-secret" }).filter({ hasText: "succeeded" }).first()).toBeVisible();
  await page.goto(`/incidents/${incidentId}`);
  const actions = page.locator('li.tl-entry[data-kind="action"]');
  await expect(actions.filter({ hasText: "stripe.resend-event" }).filter({ hasText: "failed" })).toHaveCount(1);
  await expect(actions.filter({ hasText: "demo.sync-shop-webhook-secret" }).filter({ hasText: "succeeded" })).toHaveCount(1);
  await expect(actions.filter({ hasText: "stripe.resend-event" }).filter({ hasText: "succeeded" })).toHaveCount(1);
});

test("admins find the sandboxes with their base URLs and the fixed Stripe test key", async ({ asAdmin: page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.getByRole("link", { name: "See the sandboxes" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sandboxes" })).toBeVisible();
  const stripe = page.locator('[data-sandbox="stripe"]');
  await expect(stripe.getByTestId("sandbox-url")).toHaveText(/^http:\/\/127\.0\.0\.1:\d+$/);
  await expect(stripe.getByTestId("sandbox-credential")).toHaveText("sk_test_opsdeck_demo_wildlife_exchange");
  await expect(page.locator('[data-sandbox="firestore"]')).toContainText("FIRESTORE_EMULATOR_HOST=127.0.0.1:");
  await expect(page.locator('[data-sandbox="shop"]')).toContainText("/api/stripe/webhook");
});
