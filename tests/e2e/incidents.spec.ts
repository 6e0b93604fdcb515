import fs from "node:fs";
import { expect, hydrated, test } from "./fixtures";

test("a manager opens a resolved incident, corrects a timeline entry's time and exports the report", async ({ asManager: page }) => {
  // A resolved incident with a note, made through the JSON API with the manager's session.
  const created = await page.request.post("/api/incidents", { data: { title: "E2E webhooks failing", severity: "Sev2" } });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  for (const event of [
    { type: "note", text: "Replayed 12 failed webhook events" },
    { type: "status", status: "identified", text: "Signing secret rotated without updating the endpoint" },
    { type: "status", status: "resolved", text: "Endpoint secret updated; backlog drained" },
  ]) {
    const res = await page.request.post(`/api/incidents/${id}/events`, { data: event });
    expect(res.status()).toBe(201);
  }
  const before = (await (await page.request.get(`/api/incidents/${id}`)).json()) as { declaredAt: number; timeline: { key: string; kind: string; originalAt: number }[] };
  const note = before.timeline.find((e) => e.kind === "note")!;
  const corrected = new Date(before.declaredAt - 30 * 60_000);
  const correctedValue = corrected.toISOString().slice(0, 16);

  await page.goto("/incidents?state=resolved");
  await hydrated(page);
  await page.getByRole("link", { name: "E2E webhooks failing" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "E2E webhooks failing" })).toBeVisible();
  await expect(page.locator(".incident-badges .inc-status")).toHaveText("resolved");
  await hydrated(page);

  // Correct the note's time: it was really done before the declaration.
  const row = page.locator(`li[data-entry="${note.key}"]`);
  await row.getByRole("button", { name: "Correct time" }).click();
  await row.getByLabel("Corrected time (UTC)").fill(correctedValue);
  await row.getByRole("button", { name: "Save time" }).click();
  await expect(row.locator(".tl-corrected")).toContainText("corrected (recorded");
  await expect(row.locator(".tl-time")).toHaveText(correctedValue.slice(11, 16));
  // The entry now opens the timeline; the original time is kept.
  await expect(page.locator("li.tl-entry").first()).toHaveAttribute("data-entry", note.key);
  const after = (await (await page.request.get(`/api/incidents/${id}`)).json()) as { timeline: { key: string; at: number; originalAt: number; corrected: boolean }[] };
  expect(after.timeline[0]).toMatchObject({ key: note.key, at: Date.parse(`${correctedValue}:00Z`), originalAt: note.originalAt, corrected: true });

  // The report, and its markdown export with every section.
  await page.getByRole("link", { name: "Postmortem report" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Incident Report: E2E webhooks failing" })).toBeVisible();
  await hydrated(page);
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export markdown" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`incident-${id}-report.md`);
  const md = fs.readFileSync((await download.path())!, "utf8");
  for (const heading of ["# Incident Report: E2E webhooks failing", "## Summary", "## Impact", "## Timeline", "## Root Cause", "## Resolution", "## Prevention", "## Lessons Learned"]) {
    expect(md).toContain(heading);
  }
  expect(md).toContain("Replayed 12 failed webhook events");
  expect(md).toContain("corrected; recorded");
  expect(md).toContain("Signing secret rotated without updating the endpoint");
});

test("a responder declares from a runbook page and a checklist tick lands on the incident timeline", async ({ asResponder: page }) => {
  await page.goto("/runbooks/stripe-webhook-failures");
  await hydrated(page);
  const bar = page.getByTestId("incident-bar");
  await bar.getByRole("button", { name: "Declare incident" }).click();
  await bar.getByLabel("Title").fill("E2E checkout webhooks backlog");
  await bar.getByLabel("Severity").selectOption("P2");
  await bar.getByRole("button", { name: "Declare", exact: true }).click();
  await expect(bar.getByRole("status")).toContainText("Incident declared");
  await expect(bar.getByLabel("Record on incident").locator("option:checked")).toHaveText(/E2E checkout webhooks backlog/);
  const id = await bar.getByLabel("Record on incident").inputValue();

  const task = page.locator(".runbook-body input[type=checkbox][data-task]").first();
  const text = await task.getAttribute("data-task-text");
  await task.check();
  await expect(bar.getByRole("status")).toContainText("Ticked");

  const incident = (await (await page.request.get(`/api/incidents/${id}`)).json()) as { runbooks: string[]; plugins: string[]; timeline: { kind: string; title: string }[] };
  expect(incident.runbooks).toEqual(["stripe-webhook-failures"]);
  expect(incident.plugins).toEqual(expect.arrayContaining(["stripe"]));
  expect(incident.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(["declared", "checklist"]));
  expect(incident.timeline.find((e) => e.kind === "checklist")!.title).toBe(`Ticked: ${text}`);

  await page.goto(`/incidents/${id}`);
  await expect(page.locator('li.tl-entry[data-kind="checklist"]')).toContainText(text!);
  await expect(page.getByTestId("next-update")).toContainText("Next status update due");
});

test("an action run from a runbook page while an incident is chosen lands on its timeline with a link to the run", async ({ asResponder: page }) => {
  await page.goto("/runbooks/demo-actions");
  await hydrated(page);
  const bar = page.getByTestId("incident-bar");
  await bar.getByRole("button", { name: "Declare incident" }).click();
  await bar.getByLabel("Title").fill("E2E search results stale");
  await bar.getByRole("button", { name: "Declare", exact: true }).click();
  // Earlier specs may leave another incident open on this runbook, already chosen in the bar: wait
  // for the new one to be the chosen one before reading its id.
  await expect(bar.getByLabel("Record on incident").locator("option:checked")).toHaveText(/E2E search results stale/);
  const id = await bar.getByLabel("Record on incident").inputValue();
  expect(id).toMatch(/^inc_/);

  await page.getByRole("button", { name: "Flush the search cache" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("action-preview")).toBeVisible();
  await dialog.getByRole("button", { name: "Run" }).click();
  await expect(page).toHaveURL(/\/runs\/run_/);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
  const runPath = new URL(page.url()).pathname;

  await page.goto(`/incidents/${id}`);
  const actionRows = page.locator('li.tl-entry[data-kind="action"]');
  await expect(actionRows.filter({ hasText: "succeeded" })).toContainText("demo.flush-cache");
  await expect(actionRows.filter({ hasText: "succeeded" }).getByRole("link", { name: "view run" })).toHaveAttribute("href", runPath);
});
