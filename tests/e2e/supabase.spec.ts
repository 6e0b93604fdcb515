// Order health in the demo world: the shop's private PostgreSQL, read through the supabase plugin.
// An admin expires one stale coupon reservation through the guarded dialog; the run changes the
// reservation and the coupon's reserved count together, and the leak cards follow.
import { expect, hydrated, test } from "./fixtures";

test("order health: seeded trouble on the cards, admin expires one stale reservation, cards follow", async ({ asAdmin: page }) => {
  test.setTimeout(120_000);
  await page.goto("/runbooks/order-health");
  await expect(page.getByRole("heading", { name: "Order health", level: 1 }).first()).toBeVisible();
  await hydrated(page);

  const card = (id: string) => page.locator(`[data-widget="status"][data-id="supabase.${id}"]`).first();
  await expect(card("stuck-paid-orders").getByTestId("widget-value")).toHaveText("3", { timeout: 30_000 });
  await expect(card("stuck-paid-orders")).toContainText("3 paid orders unconfirmed");
  await expect(card("failed-invoices").getByTestId("widget-value")).toHaveText("3");
  await expect(card("coupon-reservation-leaks").getByTestId("widget-value")).toHaveText("4");
  await expect(card("coupon-reserved-drift").getByTestId("widget-value")).toHaveText("2");
  await expect(card("unprocessed-stripe-events").getByTestId("widget-value")).toHaveText("2");
  await expect(page.locator('[data-widget="table"][data-id="supabase.stuck-paid-orders"]').first()).toContainText("wx-1033");

  const widget = page.locator('[data-widget="action"][data-id="supabase.expire-coupon-reservation"]').first();
  await widget.getByTestId("action-button").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toContainText("high");
  await dialog.getByLabel("Coupon reservation id (e.g. res-7003)").fill("res-7007");
  const preview = dialog.getByTestId("action-preview");
  await expect(preview).toContainText('reservation res-7007: "reserved" → "expired"; coupon FREESHIP reserved_count 2 → 1 (one transaction)');
  await expect(dialog.getByTestId("blast-radius")).toHaveText("2");
  await page.screenshot({ path: "tests/.tmp/supabase-dialog.png", fullPage: false });
  await dialog.getByTestId("action-confirm").fill("coupon_reservations/res-7007");
  await dialog.getByRole("button", { name: "Run" }).click();

  await expect(page).toHaveURL(/\/runs\/[^/]+$/);
  await expect(page.getByText("succeeded").first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText("reservation res-7007 expired; coupon FREESHIP reserved_count 2 → 1").first()).toBeVisible();

  await page.goto("/runbooks/order-health");
  await hydrated(page);
  await expect(card("coupon-reservation-leaks").getByTestId("widget-value")).toHaveText("3", { timeout: 30_000 });
  await expect(card("coupon-reserved-drift").getByTestId("widget-value")).toHaveText("1");
  await page.screenshot({ path: "tests/.tmp/supabase-order-health.png", fullPage: true });
});

test("supabase operations: REST, migrations, the webhook log and Storage, read by a viewer", async ({ asViewer: page }) => {
  test.setTimeout(90_000);
  await page.goto("/runbooks/supabase-operations");
  await expect(page.getByRole("heading", { name: "Supabase and Postgres operations", level: 1 }).first()).toBeVisible();
  await hydrated(page);
  const card = (id: string) => page.locator(`[data-widget="status"][data-id="supabase.${id}"]`).first();
  await expect(card("rest-orders").getByTestId("widget-value")).toHaveText("16", { timeout: 30_000 });
  await expect(card("rest-orders")).toContainText("orders reachable through REST: 16 rows");
  await expect(card("migration-status").getByTestId("widget-value")).toHaveText("1");
  await expect(card("migration-status")).toContainText("latest applied 20250114083000, latest file 20251120160000; 1 file not applied");
  // The shop's Paddle receiver writes into the same webhook_events table as deliveries arrive: at least the seeded rows.
  await expect(card("webhook-errors").getByTestId("widget-value")).toHaveText(/^([2-9]|\d{2,})$/);
  await expect(card("webhook-duplicates").getByTestId("widget-value")).toHaveText(/^[1-9]\d*$/);
  await expect(card("webhook-unprocessed").getByTestId("widget-value")).toHaveText(/^[1-9]\d*$/);
  await expect(card("storage-buckets").getByTestId("widget-value")).toHaveText("0");
  await expect(card("storage-claim-documents")).toContainText("2 objects in claim-documents/claims/CLM-2041");
  await expect(card("storage-invoices")).toHaveAttribute("data-status", "warn");
  await expect(card("storage-invoices")).toContainText(/newest wx-1041\.pdf, 27(\.\d)? h old/);
  await page.screenshot({ path: "tests/.tmp/supabase-operations.png", fullPage: true });
});
