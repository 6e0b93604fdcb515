// The managers' SLO report: budget spent per calendar month and the incidents that spent it.
// A probe-history SLO gives exact counts (one sample a minute, planted in the store); a Prometheus
// SLO over series loaded with promtool checks the span counts the report asks Prometheus for.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPrometheus, openMetrics, startPrometheus, type PrivatePrometheus } from "../../plugins/prometheus/server";
import { declareIncident } from "~/core/incidents/incidents.server";
import { monthStart, sloReport } from "~/core/slo/report.server";
import { testPortal } from "../helpers/portal";

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 15, 12, 0); // 15 November 2026, 12:00 UTC
const OCT = Date.UTC(2026, 9, 1);
const NOV = Date.UTC(2026, 10, 1);
/** Outage in October: 30 minutes of critical samples. Blip in November: 4 critical samples. */
const OUTAGE = Date.UTC(2026, 9, 20, 8, 0);
const BLIP = Date.UTC(2026, 10, 10, 3, 0);
const critical = (t: number) => (t > OUTAGE && t <= OUTAGE + 30 * MIN) || (t > BLIP && t <= BLIP + 4 * MIN);

let env: Awaited<ReturnType<typeof testPortal>>;
let prom: PrivatePrometheus | undefined;
const bins = findPrometheus();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-slo-report-"));
// Prometheus: 100 requests a minute, 1 error a minute, and 50 a minute for the 10 minutes after P0.
const E = Math.floor(Date.now() / 600_000) * 600_000 - 3 * 3_600_000;
const P0 = E - 2 * 3_600_000;

beforeAll(async () => {
  if (bins) {
    const all: [number, number][] = [];
    const errors: [number, number][] = [];
    for (let t = E - 6 * 3_600_000, a = 0, e = 0; t <= E; t += MIN) {
      a += 100;
      e += t > P0 && t <= P0 + 10 * MIN ? 50 : 1;
      all.push([t / 1000, a]);
      errors.push([t / 1000, e]);
    }
    prom = await startPrometheus({
      dir: tmp,
      targets: [],
      history: openMetrics([
        { name: "rep_requests_total", labels: { job: "api" }, points: all },
        { name: "rep_errors_total", labels: { job: "api" }, points: errors },
      ]),
    });
  }
  env = await testPortal({
    config: {
      app: { demo: false },
      ...(prom ? { plugins: { prometheus: { url: prom.url, alerts: false } } } : {}),
      slos: {
        health: { objective: 99, window: "30d", runbook: "checkout", owner: "platform", sli: { probe: "http.health" } },
        ...(prom ? { api: { objective: 99, window: "30d", runbook: "api", sli: { errors: "rep_errors_total", total: "rep_requests_total" } } } : {}),
      },
    },
    runbooks: { "checkout.md": "# Checkout\n", "other.md": "# Other\n", "api.md": "# API\n" },
    background: false,
  });
  // One sample a minute from 1 October to now: 44 days and 12 hours.
  const rows = [];
  for (let t = OCT + MIN; t <= NOW; t += MIN) {
    const bad = critical(t);
    rows.push({ id: crypto.randomUUID(), probe_id: "http.health", at: t, status: bad ? "critical" : "ok", value: null, summary: "", error: null });
  }
  for (let i = 0; i < rows.length; i += 500) await env.portal.store.db.insertInto("probe_samples").values(rows.slice(i, i + 500)).execute();

  const responder = { username: "responder", roles: ["responder"] };
  const declare = async (title: string, runbook: string, detectedAt: number, resolvedAt: number | null) => {
    const incident = await declareIncident(env.portal.store, responder, { title, severity: "P2", runbook, detectedAt }, { now: detectedAt + MIN });
    if (resolvedAt !== null) await env.portal.store.db.updateTable("incidents").set({ resolved_at: resolvedAt, status: "resolved" }).where("id", "=", incident.id).execute();
    return incident.id;
  };
  await declare("Checkout health failing", "checkout", OUTAGE + 5 * MIN, OUTAGE + 20 * MIN);
  await declare("Unrelated outage at the same time", "other", OUTAGE, OUTAGE + 60 * MIN);
  await declare("Checkout quiet day", "checkout", Date.UTC(2026, 9, 25), Date.UTC(2026, 9, 25, 2));
  if (prom) await declare("API errors", "api", P0 - 30 * MIN, null);
}, 240_000);

afterAll(async () => {
  await env?.cleanup();
  await prom?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("SLO report", () => {
  it("months start on the first of the month, UTC", () => {
    expect(monthStart(NOW)).toBe(NOV);
    expect(monthStart(NOW, -1)).toBe(OCT);
    expect(monthStart(Date.UTC(2026, 0, 3), -1)).toBe(Date.UTC(2025, 11, 1));
  });

  it("counts each month's failures against its allowance and names the incidents that spent it", async () => {
    const [health] = (await sloReport(env.portal, { months: 3, now: NOW })).filter((r) => r.name === "health");
    expect(health!.error).toBeUndefined();
    expect(health!.months.map((m) => m.month)).toEqual(["2026-09", "2026-10", "2026-11"]);
    const [sep, oct, nov] = health!.months;
    expect(sep!.total).toBe(0);
    expect(sep!.spentPct).toBeNull();

    // October: 31 days of minutes, the sample at 1 Oct 00:00 excluded (none), the one at 1 Nov 00:00 belongs to (Oct, Nov].
    const octMinutes = 31 * 24 * 60;
    expect(oct!.total).toBe(octMinutes);
    expect(oct!.bad).toBe(30);
    expect(oct!.allowed).toBeCloseTo(octMinutes * 0.01, 9);
    expect(oct!.spentPct!).toBeCloseTo((30 / (octMinutes * 0.01)) * 100, 9); // 6.72 %
    // The checkout incident ran 15 of the outage's 30 minutes; the other runbook's and the quiet day's are not listed.
    expect(oct!.incidents.map((i) => [i.title, i.bad])).toEqual([["Checkout health failing", 15]]);
    expect(oct!.incidents[0]!.sharePct).toBeCloseTo(50, 9);

    // November up to the 15th at noon: 14.5 days; 4 bad samples and no incident.
    const novMinutes = 14.5 * 24 * 60;
    expect(nov!.total).toBe(novMinutes);
    expect(nov!.bad).toBe(4);
    expect(nov!.spentPct!).toBeCloseTo((4 / (novMinutes * 0.01)) * 100, 9);
    expect(nov!.incidents).toEqual([]);
  });

  it.skipIf(!bins)("a Prometheus SLO's incident is counted over its span from the series", async () => {
    const [api] = (await sloReport(env.portal, { months: 1, now: E })).filter((r) => r.name === "api");
    expect(api!.error).toBeUndefined();
    const month = api!.months[0]!;
    // The incident runs from P0 − 30 min to now (E): 30 minutes of 1 error, 10 of 50, then 110 of 1.
    const [incident] = month.incidents;
    expect(incident!.title).toBe("API errors");
    expect(incident!.bad).toBeCloseTo(30 + 500 + 110, 6);
    expect(month.bad).toBeGreaterThanOrEqual(incident!.bad - 1e-6);
    expect(month.spentPct!).toBeCloseTo((month.bad / (month.total * 0.01)) * 100, 9);
  }, 60_000);
});
