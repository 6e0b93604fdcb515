import { expect, test } from "./fixtures";

// An as-written runbook (no directives) in demo mode: document paths show their fields from the
// Firestore emulator, Stripe ids open their guarded action dialog prefilled — nothing runs on its own.
const PAGE = "/runbooks/as-written/paid-orders-not-updating";

test("a viewer expands a Firestore path in the prose and sees its fields, or 'no such document'", async ({ asViewer: page }) => {
  await page.goto(PAGE);
  const show = page.getByRole("button", { name: "Show fields of opsHealth/stripeWebhook" });
  await expect(show).toBeVisible();
  await show.click();
  const block = page.locator(".live-block").filter({ has: page.getByRole("button", { name: "Hide fields of opsHealth/stripeWebhook" }) });
  const table = block.locator("table.live-fields");
  await expect(table).toBeVisible();
  await expect(table.getByRole("row", { name: /^errorsCount \d+$/ })).toBeVisible();
  await expect(table.getByRole("row", { name: /^lastError [A-Za-z]/ })).toContainText(/signature/i);
  await expect(block).toContainText("Read at");

  // wx-1035 is missing until its checkout webhook lands: the demo-world spec, earlier in a full run,
  // drains the backlog and creates it. Either way the reading says which it is.
  await page.getByRole("button", { name: "Show fields of orders/wx-1035" }).click();
  const order = page.locator(".live-block").filter({ has: page.getByRole("button", { name: "Hide fields of orders/wx-1035" }) });
  await expect(order.getByText("No such document: orders/wx-1035 does not exist now.").or(order.locator("table.live-fields").getByRole("row", { name: /^status / }))).toBeVisible();
  await page.screenshot({ path: "tests/.tmp/live-mentions-fields.png", fullPage: true });
});

test("a Stripe id in the prose opens the recheck dialog prefilled, and nothing runs until asked", async ({ asResponder: page }) => {
  await page.goto(PAGE);
  const runsBefore = await page.request.get("/audit/export?format=ndjson").then((r) => r.text());
  await page.getByRole("button", { name: "Re-check pi_demo_wx1031" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("heading", { name: "Re-check a payment and its order" })).toBeVisible();
  await expect(dialog.getByRole("textbox").first()).toHaveValue("pi_demo_wx1031");
  await expect(dialog).toContainText("Read-only: reads pi_demo_wx1031 from Stripe");
  await page.screenshot({ path: "tests/.tmp/live-mentions-stripe.png", fullPage: true });
  const runsAfter = await page.request.get("/audit/export?format=ndjson").then((r) => r.text());
  expect(runsAfter.includes('"stripe.recheck-payment"')).toBe(runsBefore.includes('"stripe.recheck-payment"'));
  await dialog.getByRole("button", { name: /cancel|close/i }).first().click();

  // An event id opens the delivery (resend) dialog with the event filled in; the endpoint is the operator's choice.
  await page.getByRole("button", { name: /Delivery of evt_demo_paid_wx1035/ }).click();
  await expect(page.getByRole("dialog").getByRole("textbox").first()).toHaveValue("evt_demo_paid_wx1035");
});
