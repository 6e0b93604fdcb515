// AutoRelease triage in the browser: the stale ops-health card, then an admin toggles adminHold on
// one order and watches the held-orders card and the audit log follow.
import { startServer, type RunningServer } from "../helpers/server";
import { createFirestoreClient, type FirestoreClient } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import { DEMO_PASSWORD, expect, hydrated, test } from "./fixtures";
import { shopCatalog } from "../helpers/shop";

let sandbox: FirestoreSandbox;
let client: FirestoreClient;
let portal: RunningServer;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  sandbox = await startFirestoreSandbox({ catalog: shopCatalog });
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

  // The fix: hold wx-1040 through the guarded action dialog (preview, typed confirmation, run).
  const widget = page.locator('[data-widget="action"][data-id="firestore.toggle-admin-hold"]');
  await widget.getByTestId("action-button").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toContainText("high");
  await dialog.getByLabel("Order id (e.g. wx-1040)").fill("wx-1040");
  await dialog.getByLabel(/^Reason/).fill("buyer reported the animal arrived injured");
  const preview = dialog.getByTestId("action-preview");
  await expect(preview).toContainText("adminHold false → true (buyer reported the animal arrived injured) (orders/wx-1040, one document)");
  await expect(dialog.getByTestId("blast-radius")).toHaveText("1");
  await expect(preview).toContainText("Target: orders/wx-1040");
  // The dialog shows the live state the operator acts on, the stale job among it.
  await expect(dialog).toContainText(/AutoRelease cron \(opsHealth\/autoReleaseProtected\): critical/);
  const run = dialog.getByRole("button", { name: "Run" });
  await expect(run).toBeDisabled();
  await dialog.getByTestId("action-confirm").fill("orders/wx-1040");
  await run.click();

  // The run page: the run succeeds and says what it did.
  await expect(page).toHaveURL(/\/runs\/[^/]+$/);
  await expect(page.getByText("succeeded").first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText("adminHold false → true (buyer reported the animal arrived injured) (orders/wx-1040)").first()).toBeVisible();
  expect((await client.db.doc("orders/wx-1040").get()).get("adminHold")).toBe(true);

  // Back on the runbook: one more order on hold, one fewer waiting for release; the job is still stale.
  await page.goto(`${base}/runbooks/autorelease-triage`);
  await hydrated(page);
  await expect(held.getByTestId("widget-value")).toHaveText("2", { timeout: 15_000 });
  await expect(overdue.getByTestId("widget-value")).toHaveText("1", { timeout: 15_000 });
  await expect(health).toHaveAttribute("data-status", "critical");

  // The audit log has the run, naming the document it changed.
  await page.goto(`${base}/audit`);
  await hydrated(page);
  const rows = page.getByRole("row").filter({ hasText: "firestore.toggle-admin-hold" });
  await expect(rows.filter({ hasText: "succeeded" }).filter({ hasText: "orders/wx-1040" }).first()).toBeVisible();
  await expect(rows.filter({ hasText: "started" }).filter({ hasText: "orders/wx-1040" }).first()).toBeVisible();
});
