// The demo's Sentry SLO (core API latency) over the Sentry sandbox holding the shop's traffic: the
// figures equal counts made by listing the same transactions; the sandbox counts them from running
// totals, the same answer as listing them, also after out-of-order arrivals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHOP_ISSUES, shopTraffic, spanStatusOf, startSentrySandbox, type SentrySandbox, type SentryTransaction } from "../../plugins/sentry/sandbox";
import { isFailure, TransactionStore } from "../../plugins/sentry/sandbox-transactions";
import { DEMO_SENTRY_SLOS } from "~/core/slo/demo.server";
import { sloStatus } from "~/core/slo/service.server";
import { BURN_WINDOWS } from "~/core/slo/burn";
import { testPortal } from "../helpers/portal";

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Math.floor(Date.now() / MIN) * MIN + 17_000;
const SERVED_FROM = NOW - 20 * MIN;
/** The faulty release served production for the 40 minutes before NOW - 10 min. */
const faultyAt = (t: number) => t >= NOW - 50 * MIN && t < NOW - 10 * MIN;

let clock = NOW;
let sandbox: SentrySandbox;
let env: Awaited<ReturnType<typeof testPortal>> | undefined;
/** The real requests the test lets the shop "serve" from SERVED_FROM on: fast, one slow. */
const served: SentryTransaction[] = [];

beforeAll(async () => {
  sandbox = await startSentrySandbox({ issues: SHOP_ISSUES, events: () => [], traffic: { from: NOW - 3 * DAY, minute: shopTraffic(faultyAt, { servedFrom: SERVED_FROM }) }, now: () => clock });
  for (let i = 0; i < 40; i++) {
    const t = { at: SERVED_FROM + i * 30_000 + 5, transaction: "/api/stripe/webhook", durationMs: i === 3 ? 900 : 12, status: spanStatusOf(i === 5 ? 400 : 200) };
    served.push(t);
    sandbox.record(t);
  }
  env = await testPortal({
    config: { app: { demo: false }, plugins: { sentry: { org: sandbox.org, project: sandbox.project, token: sandbox.token, url: sandbox.url } }, slos: DEMO_SENTRY_SLOS },
    runbooks: { "sentry-triage.md": '# Sentry triage\n\n::slo{id="core-api-latency"}\n' },
  });
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
  await sandbox?.stop();
});

/** Every transaction of the demo's traffic and served requests, listed: the reference the counts must equal. */
function listed(from: number, to: number): SentryTransaction[] {
  const minute = shopTraffic(faultyAt, { servedFrom: SERVED_FROM });
  const out: SentryTransaction[] = [];
  for (let m = Math.floor(Math.max(NOW - 3 * DAY, from) / MIN) * MIN; m < to; m += MIN) if (m + MIN <= Math.floor(clock / MIN) * MIN) out.push(...minute(m));
  out.push(...served);
  return out.filter((t) => t.at >= from && t.at < to && t.at < clock);
}

describe("the demo's core API latency SLO over the Sentry sandbox", () => {
  it("budget and burn rates equal the counts of the listed transactions; the figures are sensible for a healthy API", async () => {
    const s = await sloStatus(env!.portal, "core-api-latency", NOW);
    expect(s.source).toBe("sentry");
    const a = s.assessment;
    const slow = (from: number) => {
      const api = listed(from, NOW).filter((t) => t.transaction.startsWith("/api/"));
      return { total: api.length, bad: api.filter((t) => t.durationMs > 500).length };
    };
    for (const [w, seconds] of Object.entries(BURN_WINDOWS) as [keyof typeof BURN_WINDOWS, number][]) {
      const c = slow(NOW - seconds * 1000);
      expect(a.events[w], w).toBe(c.total);
      expect(a.burn[w]!, w).toBeCloseTo(c.bad / c.total / 0.05, 9);
    }
    const all = slow(NOW - 30 * DAY);
    expect(a.windowEvents).toBe(all.total);
    expect(a.remainingPct!).toBeCloseTo((1 - all.bad / all.total / 0.05) * 100, 9);
    // About 3 % of requests take longer than 500 ms (the latency bands) plus the HMRC timeouts: a burn
    // near 0.65×, a third of the budget left, nothing firing.
    expect(a.burn["3d"]!).toBeGreaterThan(0.5);
    expect(a.burn["3d"]!).toBeLessThan(0.8);
    expect(a.remainingPct!).toBeGreaterThan(20);
    expect(a.remainingPct!).toBeLessThan(50);
    expect(a.firing).toBeNull();
    expect(s.sentence).toMatch(/at this rate the month's budget lasts the window/);
    // 3 days of about 73 transactions a minute.
    expect(a.events["3d"]).toBeGreaterThan(300_000);
  });

  it("the SLO's Discover queries ask count() and count_if over /api/*, one per window, and are answered without listing", async () => {
    const before = sandbox.requests.length;
    const t0 = performance.now();
    await sloStatus(env!.portal, "core-api-latency", NOW);
    const ms = performance.now() - t0;
    const asked = sandbox.requests.slice(before).filter((r) => r.startsWith("GET /api/0/organizations/shop/events/"));
    expect(asked).toHaveLength(6);
    expect(decodeURIComponent(asked[0]!.replace(/\+/g, " "))).toMatch(/field=count\(\)&field=count_if\(transaction\.duration,lessOrEquals,500\).*query=event\.type:transaction transaction:"\/api\/\*"/);
    // Running totals: six counts over 300 000 stored transactions take far less than listing them would.
    expect(ms).toBeLessThan(1500);
  });

  it("the Discover endpoint answers Sentry's failure_rate() and p95(transaction.duration), and refuses statsPeriod with start", async () => {
    const q = (params: string) => fetch(`${sandbox.url}/api/0/organizations/shop/events/?${params}`, { headers: { authorization: `Bearer ${sandbox.token}` } });
    const from = NOW - 60 * MIN;
    const route = listed(from, NOW).filter((t) => t.transaction === "/api/orders");
    const res = await q(`field=failure_rate()&field=p95(transaction.duration)&field=count()&query=${encodeURIComponent('event.type:transaction transaction:"/api/orders"')}&start=${new Date(from).toISOString()}&end=${new Date(NOW).toISOString()}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Record<string, number>[]; meta: { fields: Record<string, string> } };
    expect(body.data[0]!["count()"]).toBe(route.length);
    expect(body.data[0]!["failure_rate()"]).toBeCloseTo(route.filter((t) => isFailure(t.status)).length / route.length, 12);
    const sorted = route.map((t) => t.durationMs).sort((x, y) => x - y);
    expect(body.data[0]!["p95(transaction.duration)"]).toBe(sorted[Math.ceil(0.95 * sorted.length) - 1]);
    expect(body.meta.fields).toMatchObject({ "failure_rate()": "percentage", "p95(transaction.duration)": "duration", "count()": "integer" });
    const both = await q(`field=count()&query=event.type:transaction&statsPeriod=1h&start=${new Date(from).toISOString()}`);
    expect(both.status).toBe(400);
    expect(((await both.json()) as { detail: string }).detail).toMatch(/statsPeriod cannot be combined/);
  });

  it("traffic goes on as the clock moves: the next minutes are stored once they have passed", async () => {
    const before = (await sloStatus(env!.portal, "core-api-latency", NOW)).assessment.events["5m"];
    clock = NOW + 3 * MIN;
    const later = await sloStatus(env!.portal, "core-api-latency", clock);
    const c = listed(clock - 5 * MIN, clock).filter((t) => t.transaction.startsWith("/api/"));
    expect(later.assessment.events["5m"]).toBe(c.length);
    expect(later.assessment.events["5m"]).toBeGreaterThan(0);
    expect(before).toBeGreaterThan(0);
    clock = NOW;
  });
});

describe("TransactionStore", () => {
  it("counts equal a listing, whatever order the transactions arrive in and whichever predicates were asked before", () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const names = ["/a", "/api/x", "/api/y"];
    const store = new TransactionStore();
    const all: SentryTransaction[] = [];
    const check = () => {
      for (let k = 0; k < 30; k++) {
        const from = Math.floor(rnd() * 10_000);
        const to = from + Math.floor(rnd() * 5_000);
        const pattern = [undefined, "/api/*", "/api/x", "/none"][k % 4];
        const rows = all.filter((t) => t.at >= from && t.at < to && (!pattern || (pattern.endsWith("*") ? t.transaction.startsWith(pattern.slice(0, -1)) : t.transaction === pattern)));
        expect(store.count(from, to, pattern)).toBe(rows.length);
        expect(store.failures(from, to, pattern)).toBe(rows.filter((t) => isFailure(t.status)).length);
        expect(store.countIf(from, to, "lessOrEquals", 300, pattern)).toBe(rows.filter((t) => t.durationMs <= 300).length);
        expect(store.countIf(from, to, "greater", 700, pattern)).toBe(rows.filter((t) => t.durationMs > 700).length);
      }
    };
    for (let round = 0; round < 5; round++) {
      // Mostly in order, a few late ones (earlier times arriving after later ones).
      for (let i = 0; i < 2000; i++) {
        const at = round * 2000 + i + (rnd() < 0.05 ? -Math.floor(rnd() * 1500) : 0);
        const t = { at, transaction: names[Math.floor(rnd() * 3)]!, durationMs: Math.floor(rnd() * 1000), status: rnd() < 0.1 ? "internal_error" : rnd() < 0.1 ? "cancelled" : "ok" };
        all.push(t);
        store.add(t);
      }
      check();
    }
    expect(store.size).toBe(10_000);
  });
});
