// Items 1, 5 and 7 of issue 13, as a responder does them: a run joins the open incident that links
// its runbook or plugin wherever it is pressed (and can be cleared); checklist ticks stick per
// incident and per user, and ticks made before declaring land on the incident; a note is confirmed
// and listed newest first; the first readings after start are not transitions; labels are titles.
import { expect, hydrated, signInAs, test } from "./fixtures";

async function declare(page: import("@playwright/test").Page, title: string, runbook: string): Promise<string> {
  const res = await page.request.post("/api/incidents", { data: { title, severity: "P2", runbook } });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

test("an action pressed without the incident chosen joins the open incident of its runbook; the operator can clear it", async ({ asResponder: page }) => {
  const title = `Search results stale ${Date.now()}`;
  const id = await declare(page, title, "demo-actions");
  await page.goto("/runbooks/demo-actions");
  await hydrated(page);
  // The incident bar set to none: the run still joins the incident that links this runbook.
  await page.getByTestId("incident-bar").getByLabel("Record on incident").selectOption("");
  await page.locator('[data-id="demo.flush-cache"]').getByTestId("action-button").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-incident")).toHaveValue(id);
  await expect(dialog.getByTestId("action-incident").locator("option:checked")).toContainText(title);
  await dialog.getByRole("button", { name: /^run$/i }).click();
  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  const joinedRun = new URL(page.url()).pathname;
  await expect(page.getByTestId("run-incident")).toHaveText(title);
  await expect(page.getByTestId("run-runbook")).toContainText("Demo — guarded actions");
  await page.screenshot({ path: "test-results/operator-run-joined.png" });

  // Cleared before running: the run stays off the incident.
  await page.getByTestId("run-runbook").click();
  await hydrated(page);
  await page.locator('[data-id="demo.flush-cache"]').getByTestId("action-button").click();
  await dialog.getByTestId("action-incident").selectOption("");
  await dialog.getByRole("button", { name: /^run$/i }).click();
  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  await expect(page.getByTestId("run-status")).toBeVisible();
  await expect(page.getByTestId("run-incident")).toHaveCount(0);

  // The incident's timeline holds exactly the run that joined.
  const incident = (await (await page.request.get(`/api/incidents/${id}`)).json()) as { timeline: { kind: string; title: string }[] };
  const actions = incident.timeline.filter((e) => e.kind === "action") as { href?: string }[];
  expect(actions.length).toBeGreaterThan(0);
  expect(new Set(actions.map((e) => e.href))).toEqual(new Set([joinedRun]));
});

test("ticks stick per incident and are shared with everyone on it, and ticks made before declaring are carried into the incident", async ({ page, browser }) => {
  await signInAs(page, "responder", "/runbooks/deploy-and-rollback");
  await hydrated(page);
  const box = page.locator('.runbook-body input[data-task="0"]');
  await box.check();
  await expect(page.getByTestId("incident-bar")).toContainText("kept here and recorded on the incident when you declare one");
  await page.reload();
  await hydrated(page);
  await expect(box).toBeChecked();

  // Declare from the bar: the earlier tick becomes the incident's first checklist entry.
  const title = `Deploy broke checkout ${Date.now()}`;
  await page.getByTestId("incident-bar").getByRole("button", { name: "Declare incident" }).click();
  await page.getByTestId("incident-bar").getByLabel("Title").fill(title);
  await page.getByTestId("incident-bar").getByRole("button", { name: "Declare", exact: true }).click();
  await expect(page.getByTestId("incident-bar")).toContainText("1 of 1 earlier tick(s) recorded on it");
  await page.locator('.runbook-body input[data-task="2"]').check();
  await expect(page.getByTestId("incident-bar")).toContainText("on the incident timeline");
  await page.reload();
  await hydrated(page);
  await expect(box).toBeChecked();
  await expect(page.locator('.runbook-body input[data-task="2"]')).toBeChecked();
  await expect(page.locator('.runbook-body input[data-task="1"]')).not.toBeChecked();
  await page.screenshot({ path: "test-results/operator-ticks.png" });

  // Another person on the same incident sees the same checklist (issue 34 item 9: shared ticks).
  const other = await browser.newPage();
  await signInAs(other, "admin", "/runbooks/deploy-and-rollback");
  await hydrated(other);
  await expect(other.getByTestId("incident-bar").getByLabel("Record on incident").locator("option:checked")).toContainText(title);
  await expect(other.locator('.runbook-body input[data-task="0"]')).toBeChecked();
  await expect(other.locator('.runbook-body input[data-task="2"]')).toBeChecked();
  await expect(other.locator('.runbook-body input[data-task="1"]')).not.toBeChecked();
  await other.close();
});

test("a note is confirmed and listed newest first; the first readings after start are not transitions", async ({ asResponder: page }) => {
  const id = await declare(page, `Webhooks failing ${Date.now()}`, "stripe-webhook-failures");
  await page.goto(`/incidents/${id}`);
  await hydrated(page);
  await page.getByLabel("Note").fill("First look: endpoint returns 500");
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(page.getByTestId("note-saved")).toContainText("Note added at");
  await page.getByLabel("Note").fill("Rolled back the handler");
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(page.getByTestId("latest-notes").locator("li").first()).toContainText("Rolled back the handler");
  await expect(page.getByTestId("latest-notes").locator("li").nth(1)).toContainText("First look");
  // No "unknown → …" noise from the start of the portal in this incident's timeline.
  await expect(page.locator("main")).not.toContainText(/unknown\s*→/);
  const transitions = (await (await page.request.get(`/api/incidents/${id}`)).json()) as { timeline: { kind: string; title: string }[] };
  expect(transitions.timeline.filter((e) => e.kind === "probe" && /unknown/.test(e.title))).toEqual([]);
  await page.screenshot({ path: "test-results/operator-note.png", fullPage: true });
});

test("buttons and table headers read as titles, with the raw name on hover", async ({ asAdmin: page }) => {
  await page.goto("/runbooks/stripe-reconciliation");
  await hydrated(page);
  const reconcile = page.locator('[data-id="stripe.reconcile"]').getByTestId("action-button");
  await expect(reconcile).toHaveText(/Reconcile/);
  await expect(reconcile).not.toContainText("stripe.reconcile");
  await expect(reconcile).toHaveAttribute("title", "stripe.reconcile");
  await reconcile.click();
  await page.getByRole("dialog").getByRole("button", { name: /^run$/i }).click();
  await page.waitForURL(/\/runs\/run_/);
  await hydrated(page);
  const headers = page.getByTestId("result-rows").locator("thead th");
  await expect(headers.first()).toBeVisible({ timeout: 20_000 });
  for (const th of await headers.all()) {
    const raw = await th.getAttribute("title");
    if (!raw) continue;
    const text = (await th.textContent()) ?? "";
    expect(text).not.toMatch(/[a-z][A-Z]/); // no camelCase
    expect(text.length).toBeGreaterThan(0);
  }
});
