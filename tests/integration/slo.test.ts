import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPrometheus, INSTALL_HINT, openMetrics, startPrometheus, type HistorySeries, type PrivatePrometheus } from "../../plugins/prometheus/server";
import { checkSloAlerts, sloStatus } from "~/core/slo/service.server";
import { probeEngine } from "~/core/probes/service.server";
import { testPortal } from "../helpers/portal";

// Fixed series loaded with promtool into a private Prometheus; every expected figure below is
// worked out by hand from the increments, not by the code under test.
const bins = findPrometheus();
const MIN = 60;
// The last sample: a whole ten minutes, three hours ago (everything lies in the loaded blocks).
const E = Math.floor(Date.now() / 1000 / 600) * 600 - 3 * 3600;
const START = E - 28 * 86_400 - 3600;
const FINE = E - 4 * 86_400;
/** The incident: the 20 samples after I0 carry 200 errors each of 1000 requests (baseline 0.5). */
const I0 = E - 10 * 3600;
const inIncident = (t: number) => t > I0 && t <= I0 + 20 * MIN;

function checkoutSeries(): HistorySeries[] {
  const all: [number, number][] = [];
  const errors: [number, number][] = [];
  let a = 1_000_000;
  let e = 1_000;
  for (let t = START; t <= E; t += t < FINE ? 600 : MIN) {
    const minutes = t <= START ? 0 : t <= FINE ? 10 : 1;
    a += 1000 * minutes;
    e += inIncident(t) ? 200 : 0.5 * minutes;
    all.push([t, a]);
    errors.push([t, e]);
  }
  return [
    { name: "slo_test_requests", labels: { job: "shop" }, points: all },
    { name: "slo_test_errors", labels: { job: "shop" }, points: errors },
  ];
}

/** A quiet endpoint: nothing for hours, then 5 requests of which 3 fail in the last 5 minutes. */
function quietSeries(): HistorySeries[] {
  const all: [number, number][] = [];
  const errors: [number, number][] = [];
  for (let t = E - 3 * 3600, a = 0, e = 0; t <= E; t += MIN) {
    if (t > E - 5 * MIN) {
      a += 1;
      e += t > E - 3 * MIN ? 1 : 0;
    }
    all.push([t, a]);
    errors.push([t, e]);
  }
  return [
    { name: "slo_quiet_requests", labels: { job: "quiet" }, points: all },
    { name: "slo_quiet_errors", labels: { job: "quiet" }, points: errors },
  ];
}

/** Latency: 100 requests a minute, 98 within 0.5 s. */
function latencySeries(): HistorySeries[] {
  const fast: [number, number][] = [];
  const count: [number, number][] = [];
  for (let t = E - 2 * 3600, i = 0; t <= E; t += MIN, i++) {
    fast.push([t, 98 * i]);
    count.push([t, 100 * i]);
  }
  return [
    { name: "slo_api_seconds_bucket", labels: { job: "api", le: "0.5" }, points: fast },
    { name: "slo_api_seconds_count", labels: { job: "api" }, points: count },
  ];
}

const SLOS = {
  checkout: { objective: 99.9, window: "28d", minEvents: 100, runbook: "checkout", sli: { errors: "slo_test_errors", total: "sum(increase(slo_test_requests[$window]))" } },
  quiet: { objective: 99, window: "28d", minEvents: 50, sli: { errors: "slo_quiet_errors", total: "slo_quiet_requests" } },
  "quiet-unguarded": { objective: 99, window: "28d", minEvents: 0, sli: { errors: "slo_quiet_errors", total: "slo_quiet_requests" } },
  latency: { objective: 99, window: "28d", sli: { histogram: "slo_api_seconds", threshold: 0.5, matchers: 'job="api"' } },
};

const tmpDirs: string[] = [];
const readAt = (id: string, at: number) => env!.portal.registry.probes.get(id)!.def.read({ signal: AbortSignal.timeout(10_000), log: env!.portal.log as never, now: () => new Date(at) });
let prom: PrivatePrometheus | undefined;
let env: Awaited<ReturnType<typeof testPortal>> | undefined;

beforeAll(async () => {
  if (!bins) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-slo-"));
  tmpDirs.push(dir);
  prom = await startPrometheus({ dir, targets: [], history: openMetrics([...checkoutSeries(), ...quietSeries(), ...latencySeries()]) });
  env = await testPortal({
    config: { app: { demo: false }, plugins: { prometheus: { url: prom.url, alerts: false } }, slos: SLOS },
    runbooks: { "checkout.md": "# Checkout\n\n::slo{id=\"checkout\"}\n" },
  });
}, 240_000);

afterAll(async () => {
  await env?.cleanup();
  await prom?.stop();
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

it("Debian's prometheus and promtool are installed", () => {
  expect(bins, `these tests need Debian's prometheus: ${INSTALL_HINT}`).not.toBeNull();
});

describe.skipIf(!bins)("SLO math over series loaded with promtool", () => {
  it("budget left and burn rates equal the hand-computed values", async () => {
    const s = await sloStatus(env!.portal, "checkout", E * 1000);
    const a = s.assessment;
    // 28 days = 40 320 minutes of 1000 requests; errors 0.5 a minute except 20 minutes of 200.
    expect(a.windowEvents).toBeCloseTo(40_320_000, 0);
    const errors = 0.5 * (40_320 - 20) + 20 * 200; // 24 150
    expect(a.errorRatio!).toBeCloseTo(errors / 40_320_000, 12);
    expect(a.remainingPct!).toBeCloseTo((1 - errors / 40_320_000 / 0.001) * 100, 6); // 40.104…
    // Ten hours after the incident the short windows burn at the baseline: 0.5 of 1000 is 0.05 %, half the budget.
    for (const w of ["5m", "30m", "1h", "6h"] as const) expect(a.burn[w]!).toBeCloseTo(0.5, 9);
    // 3 days: 4 320 000 requests, 0.5 × 4300 + 4000 errors.
    expect(a.burn["3d"]!).toBeCloseTo((0.5 * (4320 - 20) + 4000) / 4_320_000 / 0.001, 9);
    expect(a.firing).toBeNull();

    // Five minutes into the incident: 5m holds 5 × 200 errors of 5000 (burn 200), 1h 1000 + 27.5 of 60 000.
    const during = (await sloStatus(env!.portal, "checkout", (I0 + 5 * MIN) * 1000)).assessment;
    expect(during.burn["5m"]!).toBeCloseTo(200, 9);
    expect(during.burn["1h"]!).toBeCloseTo((1000 + 0.5 * 55) / 60_000 / 0.001, 9);
    expect(during.burn["30m"]!).toBeCloseTo((1000 + 0.5 * 25) / 30_000 / 0.001, 9);
  }, 60_000);

  it("the page and ticket conditions fire and clear at the right sample", async () => {
    const page: number[] = [];
    const ticket: number[] = [];
    const fast: number[] = [];
    let wasPage = false;
    let wasTicket = false;
    let wasFast = false;
    for (let k = -2; k <= 400; k++) {
      const a = (await sloStatus(env!.portal, "checkout", (I0 + k * MIN) * 1000)).assessment;
      const isPage = a.conditions.some((c) => c.kind === "page" && c.firing);
      const isTicket = a.conditions.some((c) => c.kind === "ticket" && c.firing);
      const isFast = a.conditions[0]!.firing;
      if (isPage !== wasPage) page.push(k);
      if (isTicket !== wasTicket) ticket.push(k);
      if (isFast !== wasFast) fast.push(k);
      [wasPage, wasTicket, wasFast] = [isPage, isTicket, isFast];
    }
    // 14.4× over 1h needs 199.5k + 30 ≥ 864 → k = 5; the 5m window is clean again 5 minutes after the incident.
    expect(fast).toEqual([5, 25]);
    // Page (either rule): from minute 5; 6× over 30m ends when the incident has left the 30m window (20 + 30).
    expect(page).toEqual([5, 50]);
    // Ticket: 3 days reach 1× at 2160 + 199.5k ≥ 4320 → k = 11; 6h falls under 1× when the incident has left it (20 + 360).
    expect(ticket).toEqual([11, 380]);
  }, 120_000);

  it("a low-traffic series with 3 failures of 5 requests does not page, and says why", async () => {
    const quiet = await sloStatus(env!.portal, "quiet", E * 1000);
    expect(quiet.assessment.burn["5m"]!).toBeCloseTo(60, 9); // 3/5 = 60 % against a 1 % budget
    expect(quiet.assessment.burn["1h"]!).toBeCloseTo(60, 9);
    expect(quiet.assessment.events["1h"]).toBeCloseTo(5, 9);
    expect(quiet.assessment.firing).toBeNull();
    const fast = quiet.assessment.conditions.find((c) => c.rule === "14.4× over 1h and 5m")!;
    expect(fast).toMatchObject({ firing: false, suppressed: true });
    const reading = await readAt("slo.quiet", E * 1000);
    expect(reading.summary).toMatch(/quiet on low traffic \(5 events in 1h, fewer than 50\)/);
    expect(reading.status).not.toBe("critical");
    // The same series without the guard would page: the suppression is what keeps it quiet.
    expect((await sloStatus(env!.portal, "quiet-unguarded", E * 1000)).assessment.firing).toBe("page");
  }, 60_000);

  it("a latency SLI counts the histogram's bucket against its count", async () => {
    const a = (await sloStatus(env!.portal, "latency", E * 1000)).assessment;
    for (const w of ["5m", "30m", "1h"] as const) expect(a.burn[w]!).toBeCloseTo(2, 9); // 2 of 100 slow, 1 % budget
    expect(a.events["1h"]).toBeCloseTo(6000, 6);
  }, 60_000);

  it("the probe slo.<name> reads budget left in percent", async () => {
    expect(env!.portal.registry.probes.get("slo.checkout")!.def.unit).toBe("%");
    const reading = await readAt("slo.checkout", (I0 + 5 * MIN) * 1000);
    const budget = (await sloStatus(env!.portal, "checkout", (I0 + 5 * MIN) * 1000)).assessment.remainingPct!;
    expect(reading.value).toBeCloseTo(budget, 2);
    expect(reading.status).toBe("critical");
    expect(reading.summary).toMatch(/burning \(page: 14\.4× over 1h and 5m\)/);
    // Through the engine (now): the loaded series ended hours ago, so the short windows have no events.
    expect((await probeEngine(env!.portal).reading("slo.checkout")).id).toBe("slo.checkout");
  }, 30_000);

  it("a burn-rate condition that starts is an inbox alert with the runbook; when it stops, the alert resolves", async () => {
    const db = env!.portal.store.db;
    const at = (k: number) => (I0 + k * MIN) * 1000;
    expect((await checkSloAlerts(env!.portal, at(4))).fired).toBe(0);
    const fired = await checkSloAlerts(env!.portal, at(5));
    expect(fired.fired).toBe(1);
    const rows = await db.selectFrom("alerts").selectAll().where("source", "=", "slo").execute();
    const page = rows.find((r) => r.fingerprint === "slo:checkout:page")!;
    expect(page).toBeDefined();
    expect(page.status).toBe("firing");
    expect(page.runbook).toBe("checkout");
    expect((await checkSloAlerts(env!.portal, at(30))).fired).toBe(1); // the ticket at 11; the page keeps firing
    const resolved = await checkSloAlerts(env!.portal, at(50));
    expect(resolved.resolved).toBe(1);
    const after = await db.selectFrom("alerts").selectAll().where("fingerprint", "=", "slo:checkout:page").executeTakeFirst();
    expect(after!.status).toBe("resolved");
  }, 60_000);
});

describe.skipIf(!bins)("the ::slo widget", () => {
  it("::slo{id} on a runbook is the slo.<name> widget; its reads hold the figures, the budget over the window and the conditions", async () => {
    const { getRunbook } = await import("~/core/runbooks/runbooks.server");
    const { sloWidget } = await import("~/core/slo/widget.server");
    const page = getRunbook("checkout", { dir: path.join(env!.dir, "runbooks"), registry: env!.portal.registry })!;
    expect(page.slots).toEqual([expect.objectContaining({ kind: "slo", id: "slo.checkout", title: expect.stringContaining("SLO") })]);
    const w = await sloWidget(env!.portal, "checkout", { at: (I0 + 5 * MIN) * 1000, points: 28 });
    expect(w.firing).toBe("page");
    expect(w.burn["5m"]).toBeCloseTo(200, 9);
    expect(w.sentence).toMatch(/^Over the last 1h the burn rate is 17×: at this rate the month's budget is gone in \d+ (hours|days)\.$/);
    expect(w.budget.length).toBeGreaterThan(20);
    expect(w.budget.at(-1)!.remainingPct!).toBeCloseTo(w.remainingPct!, 3);
    expect(w.chartError).toBeUndefined();
  }, 60_000);
});
