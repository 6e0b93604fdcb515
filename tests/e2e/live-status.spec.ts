import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, type RunningServer } from "../helpers/server";
import { DEMO_PASSWORD, expect, hydrated, test } from "./fixtures";

// A portal of our own: its http plugin watches a health endpoint this test controls, so the test
// can turn the source from healthy to failing and watch the open page follow without a reload.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let source: http.Server;
let answer = { status: 200, body: { status: "healthy" } as Record<string, unknown> };
let portal: RunningServer;
let runbooksDir: string;

test.beforeAll(async () => {
  source = http.createServer((_req, res) => {
    res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => source.listen(0, "127.0.0.1", r));
  const sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;

  runbooksDir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-e2e-runbooks-"));
  fs.writeFileSync(
    path.join(runbooksDir, "checkout-health.md"),
    [
      "---",
      "title: Checkout health",
      "plugins: [http]",
      "---",
      "## Detect",
      "",
      "Is the checkout API answering?",
      "",
      '::status{probe="http.checkout"}',
      "",
      "## Recover",
      "",
      "1. Roll back the last deploy.",
      "",
    ].join("\n"),
  );
  // Serve from the project folder (static assets are found relative to the working directory),
  // with this test's own config and data folder.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-e2e-live-"));
  portal = await startServer({
    dir,
    config: {
      app: { demo: true },
      probes: { sampling: true },
      plugins: { http: { checks: { checkout: { title: "Checkout API", url: `${sourceUrl}/api/health`, expectJson: { status: "healthy" }, every: "2s", timeout: "2s" } } } },
    },
    runbooksDir,
    env: {
      OPSDECK_CWD: ROOT,
      OPSDECK_CONFIG: path.join(dir, "app-config.yaml"),
      OPSDECK_DATA_DIR: path.join(dir, "data"),
      OPSDECK_DEMO_PASSWORD: DEMO_PASSWORD,
      LOG_LEVEL: "error",
    },
  });
});

test.afterAll(async () => {
  await portal?.stop();
  await new Promise((r) => source?.close(r));
  fs.rmSync(runbooksDir, { recursive: true, force: true });
  if (portal) fs.rmSync(portal.dir, { recursive: true, force: true });
});

test("a status card changes from ok to critical without a reload when the source changes", async ({ page }) => {
  const base = portal.baseUrl;
  await page.goto(`${base}/login?redirectTo=${encodeURIComponent("/runbooks/checkout-health")}`);
  await hydrated(page);
  await page.getByLabel("Username").fill("responder");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Checkout health", level: 1 })).toBeVisible();
  await hydrated(page);

  const card = page.locator('[data-widget="status"][data-id="http.checkout"]');
  await expect(card).toHaveAttribute("data-status", "ok");
  await expect(card.getByRole("heading", { name: "Checkout API" })).toBeVisible();
  await expect(card).toContainText("OK"); // status in text, not colour alone
  await expect(card).toContainText(/Healthy: HTTP 200 in \d+ ms/);
  await expect(card).toContainText(/as of/);

  // Mark this document: a reload would lose the mark.
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  answer = { status: 503, body: { status: "unhealthy", error: "database connection pool exhausted" } };
  await expect(card).toHaveAttribute("data-status", "critical", { timeout: 15_000 });
  await expect(card).toContainText("Critical");
  await expect(card).toContainText('Unhealthy: HTTP 503, expected 200; status is "unhealthy", expected "healthy"');
  await card.getByText(/rows?$/).click();
  await expect(card.getByRole("cell", { name: "503" })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

  answer = { status: 200, body: { status: "healthy" } };
  await expect(card).toHaveAttribute("data-status", "ok", { timeout: 15_000 });
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

  // The JSON API says the same, and the change was recorded as transitions.
  const api = await page.request.get(`${base}/api/probes/http.checkout`);
  expect(api.status()).toBe(200);
  expect(await api.json()).toMatchObject({ id: "http.checkout", status: "ok", unit: "ms" });
});

test("a hidden tab stops refreshing and catches up when shown again", async ({ page }) => {
  const base = portal.baseUrl;
  answer = { status: 200, body: { status: "healthy" } };
  await page.goto(`${base}/login?redirectTo=${encodeURIComponent("/runbooks/checkout-health")}`);
  await hydrated(page);
  await page.getByLabel("Username").fill("viewer");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await hydrated(page);
  const card = page.locator('[data-widget="status"][data-id="http.checkout"]');
  await expect(card).toHaveAttribute("data-status", "ok", { timeout: 15_000 });

  const setHidden = (hidden: boolean) =>
    page.evaluate((h) => {
      Object.defineProperty(document, "hidden", { value: h, configurable: true });
      Object.defineProperty(document, "visibilityState", { value: h ? "hidden" : "visible", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);

  await setHidden(true);
  answer = { status: 500, body: { status: "down" } };
  // Well past the 2 s interval: a live page would have turned critical by now.
  await page.waitForTimeout(6000);
  await expect(card).toHaveAttribute("data-status", "ok");

  await setHidden(false);
  await expect(card).toHaveAttribute("data-status", "critical", { timeout: 10_000 });
  answer = { status: 200, body: { status: "healthy" } };
});
