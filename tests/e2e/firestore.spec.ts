// AutoRelease triage in the browser: the stale ops-health card, then an admin toggles adminHold on
// one order and watches the held-orders card and the audit log follow.
import { startServer, type RunningServer } from "../helpers/server";
import { createFirestoreClient, type FirestoreClient } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import { DEMO_PASSWORD, expect, hydrated, test } from "./fixtures";

let sandbox: FirestoreSandbox;
let client: FirestoreClient;
let portal: RunningServer;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  sandbox = await startFirestoreSandbox();
  client = createFirestoreClient({ projectId: sandbox.projectId, emulatorHost: sandbox.host });
  const firestore = wildlifeExchangeConfig(sandbox);
  // Short intervals so the cards follow the fix within seconds.
  for (const q of Object.values(firestore.queries) as { every?: string }[]) q.every = "2s";
  for (const h of Object.values(firestore.opsHealth) as { every?: string }[]) h.every = "2s";
  portal = await startServer({
    config: { app: { demo: true }, probes: { sampling: true }, plugins: { firestore } },
    env: { OPSDECK_DEMO_PASSWORD: DEMO_PASSWORD, LOG_LEVEL: "error" },
  });
});

test.afterAll(async () => {
  await portal?.stop();
  await client?.close();
  await sandbox?.stop();
});

test("AutoRelease triage: stale health card, admin holds one order, card and audit follow", async ({ page }) => {
  test.setTimeout(120_000);
  const base = portal.baseUrl;
  page.on("pageerror", (e) => console.log("PAGEERROR", e.message));
  page.on("console", (m) => console.log("CONSOLE", m.type(), m.text()));
  await page.goto(`${base}/login?redirectTo=${encodeURIComponent("/runbooks/autorelease-triage")}`);
  await hydrated(page);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "AutoRelease triage", level: 1 }).first()).toBeVisible();
  await hydrated(page);

  // The job has not run for six hours: the ops-health card says stale, in text.
  const health = page.locator('[data-widget="status"][data-id="firestore.autorelease-health"]').first();
  await expect(health).toHaveAttribute("data-status", "critical");
  await expect(health).toContainText("Critical");
  await expect(health).toContainText(/stale: last run 6\.\d h ago \(runs every 10m, 5m grace\)/);

  const held = page.locator('[data-widget="status"][data-id="firestore.held-orders"]').first();
  await expect(held.getByTestId("widget-value")).toHaveText("1");
  const overdue = page.locator('[data-widget="status"][data-id="firestore.release-overdue"]').first();
  await expect(overdue.getByTestId("widget-value")).toHaveText("2");

  // The fix: hold wx-1040 through the guarded action dialog.
  const widget = page.locator('[data-widget="action"][data-id="firestore.toggle-admin-hold"]');
  await widget.getByRole("button").first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel(/orderId/i).fill("wx-1040");
  await dialog.getByLabel(/reason/i).fill("buyer reported the animal arrived injured");
  await expect(dialog).toContainText("orders/wx-1040");
  await expect(dialog).toContainText(/adminHold false → true/);
  await dialog.getByLabel(/type .*orders\/wx-1040|confirm/i).fill("orders/wx-1040");
  await dialog.getByRole("button", { name: /^run/i }).click();
  await expect(page.getByText(/succeeded/i).first()).toBeVisible({ timeout: 20_000 });

  const doc = await client.db.doc("orders/wx-1040").get();
  expect(doc.get("adminHold")).toBe(true);

  // Back on the runbook, the cards follow without a reload.
  await page.goto(`${base}/runbooks/autorelease-triage`);
  await hydrated(page);
  await expect(held.getByTestId("widget-value")).toHaveText("2", { timeout: 15_000 });
  await expect(overdue.getByTestId("widget-value")).toHaveText("1", { timeout: 15_000 });

  // And the audit log has the run, naming the document.
  await page.goto(`${base}/audit`);
  await expect(page.getByText("firestore.toggle-admin-hold").first()).toBeVisible();
  await expect(page.getByText("orders/wx-1040").first()).toBeVisible();
  await expect(page.getByText("succeeded").first()).toBeVisible();
});
