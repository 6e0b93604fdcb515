import { expect, test } from "./fixtures";

// Every viewer knows what they may press (#33): on runbooks as written, a live block whose action
// the signed-in person may not run is shown disabled with the role it needs, a guarded action
// they may only ask for says so — never an enabled button that answers 403.
const LATENCY = "/runbooks/as-written/checkout-latency";
const PAID = "/runbooks/as-written/paid-orders-not-updating";

test("viewer: PromQL and SQL blocks disabled with the role they need; document reads open; the resend says admins only", async ({ asViewer: page }) => {
  await page.goto(LATENCY);
  const values = page.getByRole("button", { name: "Show value" });
  await expect(values.first()).toBeVisible();
  const n = await values.count();
  expect(n).toBeGreaterThan(0);
  for (let i = 0; i < n; i++) await expect(values.nth(i)).toBeDisabled();
  const promBlock = page.locator('.live-block.live-promql').first();
  await expect(promBlock).toHaveAttribute("data-needs-role", "responder");
  await expect(promBlock.getByTestId("live-needs-role")).toHaveText("responders only — ask a responder to run it");
  for (const b of await page.getByRole("button", { name: "Run read-only" }).all()) await expect(b).toBeDisabled();
  // What the disabled button would have filed is indeed refused for a viewer.
  const res = await page.request.post("/api/actions/prometheus.query", { data: { input: { promql: "up" }, idempotencyKey: `roles-viewer-${Date.now()}` } });
  expect(res.status()).toBe(403);
  expect((await res.json()).error).toBe("forbidden: low-risk actions need the responder role");
  await page.screenshot({ path: "tests/.tmp/as-written-roles-viewer.png", fullPage: true });

  await page.goto(PAID);
  await expect(page.getByRole("button", { name: "Show fields of opsHealth/stripeWebhook" })).toBeEnabled();
  const resend = page.getByRole("button", { name: /Delivery of evt_demo_paid_wx1035/ });
  await expect(resend).toContainText("needs the admin role");
  await expect(resend).not.toContainText("Ask an admin"); // viewers cannot ask for actions
});

test("viewer: a host-less health path and an environment statement are reads open to every signed-in person", async ({ asViewer: page }) => {
  await page.goto(PAID);
  // `GET /api/health` is read against the demo's shop service; no role is needed for a read.
  const health = page.getByRole("button", { name: "Check now /api/health" });
  await expect(health).toBeEnabled();
  await health.click();
  const healthBlock = page.locator(".live-block.live-health").filter({ has: health });
  await expect(healthBlock.locator(".live-result")).toContainText("Healthy: HTTP 200");
  // "verify `STRIPE_WEBHOOK_SECRET` is set in production": the app-environment check's verdicts, never the value.
  const env = page.getByRole("button", { name: /^Check STRIPE_WEBHOOK_SECRET \(/ });
  await expect(env).toBeEnabled();
  await expect(env).toHaveText("Check STRIPE_WEBHOOK_SECRET (frontend, backend)");
  await env.click();
  const verdicts = page.getByTestId("live-env");
  await expect(verdicts).toContainText("Shop frontend (Vercel)");
  await expect(verdicts).toContainText("Shop API (Render)");
  await expect(verdicts).toContainText("STRIPE_WEBHOOK_SECRET is set");
  await expect(verdicts).not.toContainText("whsec_");
  await expect(page.getByTestId("live-needs-role")).toHaveCount(0);
  await page.setViewportSize({ width: 390, height: 844 });
  await verdicts.scrollIntoViewIfNeeded();
  // The verdicts sit under their button, not two list paddings further in: each line keeps most of the phone's width.
  const button = (await env.boundingBox())!;
  for (const line of await verdicts.locator("li.live-verdict").all()) {
    const box = (await line.boundingBox())!;
    expect(box.x - button.x).toBeLessThan(16);
    expect(box.width).toBeGreaterThan(button.width - 16);
  }
  await page.screenshot({ path: "tests/.tmp/as-written-roles-viewer-env-390.png" });
});

test("responder: reads run; the high-risk resend is 'Ask an admin'", async ({ asResponder: page }) => {
  await page.goto(LATENCY);
  const promBlock = page.locator(".live-block.live-promql").first();
  await expect(promBlock.getByRole("button", { name: "Show value" })).toBeEnabled();
  await expect(promBlock.getByTestId("live-needs-role")).toHaveCount(0);
  await promBlock.getByRole("button", { name: "Show value" }).click();
  await expect(promBlock.locator(".live-result")).toContainText("Read at");
  await expect(promBlock.locator(".live-error")).toHaveCount(0);

  await page.goto(PAID);
  const resend = page.getByRole("button", { name: /Delivery of evt_demo_paid_wx1035/ });
  await expect(resend).toContainText("Ask an admin…");
  await resend.click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-needs-role")).toContainText("Only admins can run this.");
  await expect(dialog.getByRole("button", { name: "Ask an admin" })).toBeVisible();
  await page.screenshot({ path: "tests/.tmp/as-written-roles-responder.png", fullPage: true });
});

test("admin: every button enabled, no role notes", async ({ asAdmin: page }) => {
  await page.goto(LATENCY);
  const values = page.getByRole("button", { name: "Show value" });
  await expect(values.first()).toBeVisible();
  for (const b of await values.all()) await expect(b).toBeEnabled();
  await expect(page.getByTestId("live-needs-role")).toHaveCount(0);
  await page.goto(PAID);
  const resend = page.getByRole("button", { name: /Delivery of evt_demo_paid_wx1035/ });
  await expect(resend).toBeVisible();
  await expect(resend).not.toContainText("Ask an admin");
  await expect(resend).not.toContainText("needs the");
});
