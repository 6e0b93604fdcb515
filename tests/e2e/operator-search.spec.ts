// Issue 34, items 5 and 11, in the browser at 1400×1000 and 390×844 with screenshots attached:
// the runbook search finds what tired people type (the first result checked for each phrasing), and
// a portal pointed at 2,000 runbooks starts, pages its index and searches fast and lean. The 2,000
// are the bench's generated collection (bench/corpus-2k.ts), served by a second demo portal of this
// test's own on a free port.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import url from "node:url";
import type { Page, TestInfo } from "@playwright/test";
import { writeCorpus } from "../../bench/corpus-2k";
import { expect, hydrated, signInAs, test } from "./fixtures";

const ROOT = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), "../..");
const VIEWPORTS = [
  { width: 1400, height: 1000 },
  { width: 390, height: 844 },
];

// At 3 a.m., as typed (the four misses first), against the live demo, whose probes in
// trouble lift their runbooks; the runbook that must come first.
const PHRASINGS: [string, string][] = [
  ["paddle failing", "paddle-webhooks"],
  ["paddle notifications failing", "paddle-webhooks"],
  ["search-reindex late", "cron-jobs"],
  ["user_123", "redis-rate-limits"],
  ["paddel failing", "paddle-webhooks"],
  ["cron.search-reindex", "cron-jobs"],
  ["backups.verify", "backup-and-restore"],
  ["rate_limit:user_123:daily", "redis-rate-limits"],
  ["restore firestore", "firestore-backup-restore"],
];

async function shoot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const vp = page.viewportSize()!;
  await testInfo.attach(`${name}-${vp.width}x${vp.height}`, { body: await page.screenshot(), contentType: "image/png" });
}

/** Types a query into the index's search box as a person does and waits for the answer to it. */
async function search(page: Page, q: string): Promise<void> {
  const box = page.getByLabel("Search runbooks");
  await box.fill(q);
  await expect(page).toHaveURL((u) => u.searchParams.get("q") === q);
  await expect(page.getByTestId("runbook-count")).toContainText(/of \d+ runbooks match · [\d.]+ ms/);
}

for (const viewport of VIEWPORTS) {
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });

    test("item 5: what tired people type finds the runbook to open first", async ({ asResponder: page }, testInfo) => {
      await page.goto("/runbooks");
      await hydrated(page);
      const first = page.locator("tr[data-runbook]").first();
      for (const [q, expected] of PHRASINGS) {
        await search(page, q);
        await expect(first, `"${q}" should put ${expected} first`).toHaveAttribute("data-runbook", expected);
      }
      // An id is an exact token: user_123 is the rate-limit key's user, not Firestore backup's "user" and "123".
      await search(page, "user_123");
      await expect(first).toHaveAttribute("data-runbook", "redis-rate-limits");
      await expect(page.locator('tr[data-runbook="firestore-backup-restore"]')).toHaveCount(0);
      await shoot(page, testInfo, "5-search-user_123");
      await search(page, "paddle notifications failing");
      await expect(first).toHaveAttribute("data-runbook", "paddle-webhooks");
      // Nothing runs off the side of a phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
      await shoot(page, testInfo, "5-search-paddle-notifications-failing");
      // The first result opens.
      await first.getByRole("link").first().click();
      await expect(page).toHaveURL(/\/runbooks\/paddle-webhooks$/);
      await hydrated(page);
      await expect(page.locator(".runbook-body")).toBeVisible();
    });
  });
}

// ---------------------------------------------------------------- item 11: 2,000 runbooks

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The process listening on a loopback port (the suite's own portal, with the demo's 21 runbooks). */
function listenerPid(port: number): number {
  const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  return Number(/pid=(\d+)/.exec(out)?.[1]);
}

function rssMb(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"))!;
  return Math.round(Number(line.replace(/\D+/g, "")) / 1024);
}

test.describe("item 11: a portal of 2,000 runbooks", () => {
  test.describe.configure({ timeout: 240_000 });
  let server: ChildProcess | undefined;
  let base = "";
  let corpus = "";
  const figures: Record<string, number> = {};

  test.beforeAll(async () => {
    const port = await freePort();
    corpus = path.join(ROOT, `tests/.tmp/runbooks-2k-${port}`);
    fs.rmSync(corpus, { recursive: true, force: true });
    const stats = writeCorpus(corpus);
    expect(stats.files).toBe(2000);
    figures.corpus_mb = Math.round((stats.bytes / 1e6) * 10) / 10;
    const started = Date.now();
    // Started as `npm start` starts the portal: the V8 heap capped at 512 MB.
    server = spawn(process.execPath, ["--max-old-space-size=512", "tests/e2e/serve.js"], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), OPSDECK_RUNBOOKS_DIR: corpus, LOG_LEVEL: "info" },
      stdio: ["ignore", "ignore", fs.openSync(`${corpus}.log`, "w")],
    });
    const stderr = () => fs.readFileSync(`${corpus}.log`, "utf8").slice(-4000);
    base = `http://127.0.0.1:${port}`;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the 2,000-runbook portal stopped: ${stderr()}`);
      const up = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() - started > 120_000) throw new Error(`the 2,000-runbook portal did not start in 120 s: ${stderr()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    figures.start_s = Math.round((Date.now() - started) / 100) / 10;
  });

  test.afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((r) => server!.once("exit", r));
    }
    if (corpus) {
      fs.rmSync(corpus, { recursive: true, force: true });
      fs.rmSync(`${corpus}.log`, { force: true });
      fs.rmSync(path.join(ROOT, `tests/.tmp/e2e-${new URL(base).port}`), { recursive: true, force: true });
    }
  });

  for (const viewport of VIEWPORTS) {
    test(`the index is paged, search answers fast, a runbook opens, the server stays lean (${viewport.width}×${viewport.height})`, async ({ browser }, testInfo) => {
      const context = await browser.newContext({ viewport, baseURL: base });
      const page = await context.newPage();
      try {
        await signInAs(page, "responder", "/");
        // The first /runbooks after start took 4.2 s at 414 runbooks; now one page of an index read on demand.
        const opening = Date.now();
        await page.goto("/runbooks");
        figures[`index_page_ms_${viewport.width}`] = Date.now() - opening;
        expect(Date.now() - opening, "the index page loaded (the first after start was 4.2 s at 414 runbooks)").toBeLessThan(4000);
        // Every runbook counted, one page of 50 sent: the page stays light.
        await expect(page.getByTestId("runbook-count")).toHaveText("2000 runbooks");
        await expect(page.locator("tr[data-runbook]")).toHaveCount(50);
        const pages = page.getByTestId("runbook-pages");
        await expect(pages).toContainText("Page 1 of 40");
        const html = await page.request.get("/runbooks", { headers: { "user-agent": "Mozilla/5.0 Chrome" } });
        const weightKb = Math.round((await html.body()).length / 1024);
        figures[`index_kb_${viewport.width}`] = weightKb;
        expect(weightKb, "the index page's HTML (was 432 KB for 414 runbooks)").toBeLessThan(150);
        await shoot(page, testInfo, "11-index-page-1");

        // The next page holds the next 50.
        const firstOnPage1 = await page.locator("tr[data-runbook]").first().getAttribute("data-runbook");
        await pages.getByRole("link", { name: "Next" }).click();
        await expect(page).toHaveURL(/[?&]page=2/);
        await expect(pages).toContainText("Page 2 of 40");
        await expect(page.locator("tr[data-runbook]")).toHaveCount(50);
        await expect(page.locator(`tr[data-runbook="${firstOnPage1}"]`)).toHaveCount(0);

        // The index answers within the goal (p95 ≤ 150 ms) for pages and queries, asked one after the other.
        const times: number[] = [];
        for (let i = 0; i < 20; i++) {
          const started = Date.now();
          const res = await page.request.get(i % 2 ? `/runbooks?page=${1 + i}` : `/runbooks?q=${encodeURIComponent(["pgbouncer", "replication lag", "restart gateway", "certificate expiry", "queue backlog"][i % 5]!)}`, {
            headers: { "user-agent": "Mozilla/5.0 Chrome" },
          });
          expect(res.status()).toBe(200);
          times.push(Date.now() - started);
        }
        times.sort((a, b) => a - b);
        figures[`index_ms_p95_${viewport.width}`] = times[18]!;
        // Loose: these machines run several portals and browsers on two cores (load ~12 while this was
        // written, p95 1.3 s); the goal of 150 ms is the bench's (runbooks_2k_index_ms_p95), measured alone.
        expect(times[18], `index answers (ms): ${times.join(", ")}`).toBeLessThan(2000);

        // Search over the 2,000: the answer says how long it took, and it is short.
        await search(page, "pgbouncer connection exhaustion");
        const count = (await page.getByTestId("runbook-count").textContent()) ?? "";
        const [, matched, tookMs] = count.match(/(\d+) of 2000 runbooks match.* · ([\d.]+) ms/) ?? [];
        expect(Number(matched)).toBeGreaterThan(0);
        figures[`search_ms_${viewport.width}`] = Number(tookMs);
        expect(Number(tookMs), count).toBeLessThan(200);
        const top = page.locator("tr[data-runbook]").first();
        await expect(top).toContainText(/pgbouncer/i);
        await shoot(page, testInfo, "11-search");
        if (viewport.width < 500) expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);

        // A runbook of the 2,000 opens, rendered on demand.
        const opened = Date.now();
        await top.getByRole("link").first().click();
        await expect(page).toHaveURL(/\/runbooks\/[a-z]+\//);
        await expect(page.locator(".runbook-body")).toBeVisible();
        figures[`open_ms_${viewport.width}`] = Date.now() - opened;
        await hydrated(page);
        await shoot(page, testInfo, "11-runbook");

        // Memory the 2,000 runbooks cost: this demo portal's resident memory beside the suite's own demo
        // portal with the 21 demo runbooks (the demo's sandboxes, which live in the portal's process,
        // weigh the same in both). The bench's runbooks_2k_rss_mb (goal ≤ 500) is the portal without the demo.
        const rss = rssMb(server!.pid!);
        const demoRss = rssMb(listenerPid(Number(new URL(testInfo.project.use.baseURL!).port)));
        figures[`rss_mb_2k_demo_${viewport.width}`] = rss;
        figures[`rss_mb_21_demo_${viewport.width}`] = demoRss;
        await testInfo.attach("runbooks-2k-figures.json", { body: JSON.stringify(figures, null, 2), contentType: "application/json" });
        console.log(`runbooks-2k figures: ${JSON.stringify(figures)}`);
        expect(rss - demoRss, `2,000 runbooks: ${rss} MB, the demo's 21: ${demoRss} MB`).toBeLessThanOrEqual(250);
      } finally {
        await context.close();
      }
    });
  }
});
