import fs from "node:fs";
import path from "node:path";
import url from "node:url";
import { expect, hydrated, signInAs, test } from "./fixtures";

// The demo portal's Alertmanager receiver takes a bearer token kept in its data folder (see serve.js).
const root = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), "../..");
const port = process.env.E2E_PORT ?? "3210";
const tokenFile = path.join(root, `tests/.tmp/e2e-${port}`, "alerts-demo-token");

test.use({ viewport: { width: 390, height: 844 } });

test("a responder on a phone acknowledges an alert and opens its runbook", async ({ page, request }) => {
  const token = fs.readFileSync(tokenFile, "utf8").trim();
  const fingerprint = `e2e${Date.now().toString(16)}`;
  const sent = await request.post("/api/alerts/alertmanager", {
    headers: { authorization: `Bearer ${token}` },
    data: {
      version: "4",
      groupKey: '{}:{alertname="WebhookErrorRatioHigh"}',
      status: "firing",
      receiver: "opsdeck",
      groupLabels: { alertname: "WebhookErrorRatioHigh" },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: "http://alertmanager.local",
      alerts: [
        {
          status: "firing",
          labels: { alertname: "WebhookErrorRatioHigh", severity: "warning", service: "shop", e2e: fingerprint },
          annotations: { summary: "Webhook errors above 2% of received events for 10 minutes" },
          startsAt: new Date(Date.now() - 5 * 60_000).toISOString(),
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "http://prometheus.local/graph",
          fingerprint,
        },
      ],
    },
  });
  expect(sent.status()).toBe(200);

  await signInAs(page, "responder", "/alerts");
  await page.goto("/alerts");
  await hydrated(page);
  const card = page.locator(`[data-fingerprint="${fingerprint}"]`);
  await expect(card).toContainText("Webhook errors above 2%");
  await expect(card).toContainText("warning");
  // Nothing overflows the phone's width.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  await card.getByRole("button", { name: "Acknowledge" }).click();
  await expect(card.getByTestId("acknowledged")).toContainText("Acknowledged by responder");
  const listed = (await (await page.request.get("/api/alerts?status=firing")).json()) as { fingerprint: string; acknowledgedBy: string | null }[];
  expect(listed.find((a) => a.fingerprint === fingerprint)?.acknowledgedBy).toBe("responder");

  await card.getByTestId("open-runbook").click();
  await expect(page).toHaveURL(/\/runbooks\/order-metrics#/);
  await expect(page.getByRole("heading", { name: "WebhookErrorRatioHigh" })).toBeVisible();
});
