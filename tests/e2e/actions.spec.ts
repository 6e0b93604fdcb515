import { expect, hydrated, signInAs, test } from "./fixtures";

test("admin runs a guarded action from a runbook: preview, typed confirmation, live log, audit entry", async ({ asAdmin: page }) => {
  await page.goto("/runbooks/demo-actions");
  await hydrated(page);
  await page.getByRole("button", { name: "Rotate the API signing key" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toContainText("high");
  // The dry run: what will change and how many records (blast radius).
  await expect(dialog.getByTestId("action-preview")).toContainText("api-signing goes from version 3 to 4");
  await expect(dialog.getByTestId("blast-radius")).toHaveText("1");
  const run = dialog.getByRole("button", { name: "Run" });
  await expect(run).toBeDisabled();
  await dialog.getByTestId("action-confirm").fill("api-signin");
  await expect(run).toBeDisabled();
  await dialog.getByTestId("action-confirm").fill("api-signing");
  await expect(run).toBeEnabled();
  await run.click();

  await expect(page).toHaveURL(/\/runs\/run_/);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
  await expect(page.getByTestId("run-log")).toContainText("api-signing is now version 4");
  const runId = new URL(page.url()).pathname.split("/").pop()!;

  await page.getByRole("link", { name: "Open in the audit explorer" }).click();
  await expect(page).toHaveURL(new RegExp(`/audit\\?run=${runId}`));
  const table = page.getByTestId("audit-table");
  await expect(table).toContainText("demo.rotate-key");
  await expect(table).toContainText("started");
  await expect(table).toContainText("succeeded");
  await hydrated(page);
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("Chain intact");
});

test("a long run shows progress and can be cancelled from its page", async ({ asResponder: page }) => {
  await page.goto("/runbooks/demo-actions");
  await hydrated(page);
  await page.getByRole("button", { name: "Reindex orders" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-preview")).toContainText("in 20 batches");
  await dialog.getByLabel("Batches").fill("200");
  await expect(dialog.getByTestId("action-preview")).toContainText("in 200 batches");
  await dialog.getByRole("button", { name: "Run" }).click();
  await expect(page).toHaveURL(/\/runs\/run_/);
  await expect(page.getByRole("progressbar")).toBeVisible();
  await expect(page.getByTestId("run-log")).toContainText("batch 2/200");
  await page.getByRole("button", { name: "Cancel run" }).click();
  await expect(page.getByTestId("run-status")).toHaveText("cancelled");
});

test("critical action: the requester waits, a second admin approves from the audit page", async ({ asAdmin: page, browser }) => {
  await page.goto("/runbooks/demo-actions");
  await hydrated(page);
  await page.getByRole("button", { name: "Purge the dead-letter queue" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-risk")).toContainText("critical");
  await expect(dialog.getByTestId("blast-radius")).toHaveText("12");
  await dialog.getByTestId("action-confirm").fill("dead-letter");
  await dialog.getByTestId("approval-reason").fill("Poison messages block the retry worker");
  await dialog.getByRole("button", { name: "Request approval" }).click();
  await expect(page).toHaveURL(/\/runs\/run_/);
  await expect(page.getByTestId("run-status")).toHaveText("awaiting approval");
  await expect(page.getByText("Waiting for another admin to decide")).toBeVisible();
  const runUrl = page.url();

  const other = await browser.newContext({ baseURL: new URL(runUrl).origin });
  const page2 = await other.newPage();
  await signInAs(page2, "admin2", "/audit");
  await page2.goto("/audit");
  await page2.getByTestId("approval-confirm").first().fill("dead-letter");
  await page2.getByRole("button", { name: "Approve" }).first().click();
  await expect(page2.getByRole("status").filter({ hasText: "Approved" })).toBeVisible();
  await other.close();

  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
  await expect(page.getByTestId("run-log")).toContainText("deleted 12 messages");
});

test("personal API token: shown once, drives the JSON API with the owner's roles, revocable", async ({ asResponder: page, request }) => {
  await page.goto("/settings/tokens");
  await hydrated(page);
  await page.getByLabel("Name").fill("chatops bot");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  expect(token).toMatch(/^odk_/);
  const auth = { Authorization: `Bearer ${token}` };
  const list = await request.get("/api/actions", { headers: auth });
  expect(list.status()).toBe(200);
  // A responder's token may run low risk, not high.
  const high = await request.post("/api/actions/demo.rotate-key", { headers: auth, data: { input: { keyName: "webhook-signing" }, confirm: "webhook-signing", idempotencyKey: "token-e2e-high-1" } });
  expect(high.status()).toBe(403);
  const low = await request.post("/api/actions/demo.flush-cache", { headers: auth, data: { input: { cache: "pricing" }, idempotencyKey: "token-e2e-low-1" } });
  expect(low.status()).toBe(202);
  const { runId } = await low.json();
  await expect.poll(async () => (await (await request.get(`/api/runs/${runId}`, { headers: auth })).json()).status).toBe("succeeded");

  await page.reload();
  await page.getByRole("row", { name: /chatops bot/ }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("row", { name: /chatops bot/ })).toContainText("revoked");
  expect((await request.get("/api/actions", { headers: auth })).status()).toBe(401);
});
