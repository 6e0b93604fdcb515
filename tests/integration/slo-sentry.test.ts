import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSentryClient } from "../../plugins/sentry/client";
import { SHOP_ISSUES, startSentrySandbox, type SentrySandbox, type SentryTransaction } from "../../plugins/sentry/sandbox";
import { SloSchema } from "~/core/slo/config";
import { budgetSeries, sloStatus } from "~/core/slo/service.server";
import { testPortal } from "../helpers/portal";

// Seeded transactions in the Sentry sandbox; every expected figure is worked out by hand from the
// seeding rules below, not by the code under test.
const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Math.floor(Date.now() / MIN) * MIN;
const WEBHOOK = "/api/stripe/webhook";

/**
 * Minute k (1 … 4320, the last 3 days) starts at NOW - k min and holds 10 webhook transactions 6 s apart:
 * j = 0…3 fail (internal_error) while k ≤ 30 (the incident); otherwise j = 0 fails (deadline_exceeded) when
 * k is a multiple of 20. Durations 120 ms, except j = 8 at 500 ms (on the threshold: good) and j = 9 at
 * 800 ms when k is even. Plus 5 /api/orders transactions a minute, one of them cancelled (not a failure),
 * and an older quiet block: 6 h, 10 days ago, of 10 fast successful webhook transactions a minute.
 */
function seeded(): SentryTransaction[] {
  const out: SentryTransaction[] = [];
  const minute = (m: number, k: number | null) => {
    for (let j = 0; j < 10; j++) {
      const failed = k !== null && ((k <= 30 && j < 4) || (k > 30 && k % 20 === 0 && j === 0));
      const durationMs = k === null ? 120 : j === 8 ? 500 : j === 9 && k % 2 === 0 ? 800 : 120;
      out.push({ at: m + j * 6000, transaction: WEBHOOK, durationMs, status: failed ? (k! <= 30 ? "internal_error" : "deadline_exceeded") : "ok" });
    }
    if (k !== null) for (let j = 0; j < 5; j++) out.push({ at: m + j * 12_000, transaction: "/api/orders", durationMs: 80, status: j === 0 ? "cancelled" : "ok" });
  };
  for (let k = 1; k <= 4320; k++) minute(NOW - k * MIN, k);
  for (let i = 0; i < 360; i++) minute(NOW - 10 * DAY + i * MIN, null);
  return out;
}

const SLOS = {
  webhook: { objective: 99, window: "28d", minEvents: 100, runbook: "webhook", sli: { sentry: { project: "shop-web", transaction: WEBHOOK, metric: "failure_rate" } } },
  "webhook-latency": { objective: 95, window: "28d", sli: { sentry: { project: "shop-web", transaction: WEBHOOK, metric: "p95", threshold: 500 } } },
};

let sandbox: SentrySandbox;
let env: Awaited<ReturnType<typeof testPortal>> | undefined;

beforeAll(async () => {
  const all = seeded();
  sandbox = await startSentrySandbox({ issues: SHOP_ISSUES, events: () => [], transactions: all, now: () => NOW });
  env = await testPortal({
    config: { app: { demo: false }, plugins: { sentry: { org: sandbox.org, project: sandbox.project, token: sandbox.token, url: sandbox.url } }, slos: SLOS },
  });
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
  await sandbox?.stop();
});

describe("SLOs over the Sentry sandbox's seeded transactions", () => {
  it("failure rate of a route: budget left and burn rates equal the hand-computed values, and the page condition fires", async () => {
    const s = await sloStatus(env!.portal, "webhook", NOW);
    expect(s.source).toBe("sentry");
    const a = s.assessment;
    // Budget 1 %. 5m and 30m lie in the incident: 4 of 10 fail, burn 40.
    expect(a.burn["5m"]!).toBeCloseTo(20 / 50 / 0.01, 9);
    expect(a.burn["30m"]!).toBeCloseTo(120 / 300 / 0.01, 9);
    // 1h: 120 incident failures + k = 40, 60.
    expect(a.burn["1h"]!).toBeCloseTo(122 / 600 / 0.01, 9);
    // 6h: + k = 40 … 360 in steps of 20 (17 minutes).
    expect(a.burn["6h"]!).toBeCloseTo(137 / 3600 / 0.01, 9);
    // 3d: + k = 40 … 4320 (215 minutes) of 43 200 transactions.
    expect(a.burn["3d"]!).toBeCloseTo(335 / 43_200 / 0.01, 9);
    // 28d: the 3 days plus the quiet block's 3600 good ones.
    expect(a.windowEvents).toBe(46_800);
    expect(a.remainingPct!).toBeCloseTo((1 - 335 / 46_800 / 0.01) * 100, 9); // 28.42…
    expect(a.conditions.find((c) => c.rule.startsWith("14.4×"))!.firing).toBe(true);
    expect(a.firing).toBe("page");
    // One Discover query per window, each naming the route and asking count() and failure_count().
    const asked = sandbox.requests.filter((r) => r.startsWith("GET /api/0/organizations/shop/events/"));
    expect(asked.length).toBeGreaterThanOrEqual(6);
    expect(decodeURIComponent(asked[0]!.replace(/\+/g, " "))).toMatch(/field=count\(\)&field=failure_count\(\).*query=event\.type:transaction transaction:"\/api\/stripe\/webhook"/);
  });

  it("p95 of a route: the share within the threshold (500 ms counts as within) gives the hand-computed burn and budget", async () => {
    const a = (await sloStatus(env!.portal, "webhook-latency", NOW)).assessment;
    // Budget 5 %. One 800 ms transaction in each even minute: 5m holds k = 2, 4.
    expect(a.burn["5m"]!).toBeCloseTo(2 / 50 / 0.05, 9);
    for (const w of ["30m", "1h", "6h", "3d"] as const) expect(a.burn[w]!).toBeCloseTo(0.05 / 0.05, 9);
    expect(a.remainingPct!).toBeCloseTo((1 - 2160 / 46_800 / 0.05) * 100, 9); // 7.69…
    expect(a.firing).toBeNull();
  });

  it("the budget chart reads the window at most 24 times and ends on the figure of now", async () => {
    const before = sandbox.requests.length;
    const points = await budgetSeries(env!.portal, "webhook", { from: NOW - 28 * DAY, to: NOW, points: 60 });
    expect(sandbox.requests.length - before).toBeLessThanOrEqual(24);
    expect(points.at(-1)!.at).toBe(NOW);
    expect(points.at(-1)!.remainingPct!).toBeCloseTo((1 - 335 / 46_800 / 0.01) * 100, 9);
    // Before the quiet block (10 days ago) there were no transactions: no point, not a full budget.
    expect(points.every((p) => p.at > NOW - 10 * DAY)).toBe(true);
  });

  it("the client counts a whole project, leaving cancelled transactions out of the failures; a p95 SLI without threshold is refused", async () => {
    const client = createSentryClient({ url: sandbox.url, org: sandbox.org, project: sandbox.project, token: sandbox.token });
    // 5 minutes of 10 webhook (4 failing) and 5 orders (1 cancelled) transactions.
    expect(await client.transactionCounts({ metric: "failure_rate" }, { from: new Date(NOW - 5 * MIN), to: new Date(NOW) })).toEqual({ bad: 20, total: 75 });
    const bad = SloSchema.safeParse({ objective: 95, sli: { sentry: { project: "shop-web", metric: "p95" } } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error!.issues)).toMatch(/a p95 SLI needs threshold \(milliseconds\)/);
  });
});
