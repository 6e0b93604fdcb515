import { expect, hydrated, signInAs, test } from "./fixtures";

// An incident on the demo shop: the page names the deploy 40 minutes before detection; admin asks to roll back,
// admin2 approves on /audit, the run follows Vercel's sandbox until live, and the marker says it no longer serves.
test("incident page: deployed 40 minutes before detection → rollback with a second admin", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signInAs(page, "admin");
  const created = await page.request.post("/api/incidents", { data: { title: "E2E webhook errors after a deploy", severity: "Sev2", plugins: ["deploys", "sentry"] } });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };

  await page.goto(`/incidents/${id}`);
  await hydrated(page);
  const marker = page.getByTestId("deploy-marker");
  await expect(marker).toContainText(/Deployed 4\d minutes before detection: shop dpl_shop4xxxx/);
  await expect(marker).toContainText('"Refactor Stripe webhook handler" by li');
  await expect(page.locator('[data-kind="deploy"]').first()).toContainText("Deploy to shop: dpl_shop4xxxx (READY)");
  await page.screenshot({ path: ".cache/test-reports/deploys-incident.png", fullPage: true });

  await marker.getByRole("button", { name: "Roll back shop to dpl_shop2xxxx" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toHaveText(/critical/);
  await expect(dialog.getByTestId("action-preview")).toContainText(/from dpl_shop4xxxx \(commit [0-9a-f]{7} "Refactor Stripe webhook handler", created \d{4}-\d\d-\d\d \d\d:\d\d UTC, READY\) to dpl_shop2xxxx/);
  await page.screenshot({ path: ".cache/test-reports/deploys-rollback-dialog.png", fullPage: true });
  await dialog.getByTestId("action-confirm").fill("deploys:shop");
  await dialog.getByTestId("approval-reason").fill("The webhook refactor broke checkout; dpl_shop2 was the last good one");
  await dialog.getByRole("button", { name: "Request approval" }).click();
  await page.waitForURL(/\/runs\/run_/);
  const runId = new URL(page.url()).pathname.split("/").pop()!;

  const context = await browser.newContext();
  const page2 = await context.newPage();
  try {
    await signInAs(page2, "admin2", "/audit");
    await page2.goto("/audit");
    await hydrated(page2);
    const card = page2.getByTestId("approval-card").filter({ has: page2.locator(`a[href="/runs/${runId}"]`) });
    await expect(card).toContainText("deploys.rollback");
    await card.getByTestId("approval-confirm").fill("deploys:shop");
    await card.getByRole("button", { name: "Approve" }).click();
    await expect(page2.getByTestId("card-decision-message")).toContainText("Approved: the run starts now.");
    await page2.goto(`/runs/${runId}`);
    await hydrated(page2);
    await expect(page2.getByTestId("run-result")).toContainText("shop rolled back: Vercel serves dpl_shop2xxxx", { timeout: 30_000 });
    await page2.screenshot({ path: ".cache/test-reports/deploys-rollback-run.png", fullPage: true });
  } finally {
    await context.close();
  }

  await page.goto(`/incidents/${id}`);
  await hydrated(page);
  await expect(page.getByTestId("deploy-marker")).toContainText("It no longer serves production.");
  const api = (await (await page.request.get(`/api/incidents/${id}`)).json()) as { timeline: { kind: string; title: string }[] };
  expect(api.timeline.some((e) => e.kind === "action" && /deploys|Roll back/i.test(e.title))).toBe(true);
  expect(api.timeline.some((e) => e.kind === "deploy" && e.title.startsWith("Deploy to shop: dpl_shop4xxxx"))).toBe(true);
  const md = await (await page.request.get(`/incidents/${id}/report.md`)).text();
  expect(md).toContain("Deploy to shop: dpl_shop4xxxx (READY)");

  await page.goto("/runbooks/sentry-triage");
  await hydrated(page);
  await expect(page.locator('[data-widget="status"][data-id="sentry.route-stripe-webhook"]')).toContainText(/errors\/min/, { timeout: 20_000 });
  await page.screenshot({ path: ".cache/test-reports/deploys-sentry-triage.png", fullPage: true });
});
