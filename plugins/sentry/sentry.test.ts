import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProbeDefinition } from "../plugin-api";
import { createSentryClient } from "./client";
import { SentryConfigSchema } from "./config";
import { sentryProbes } from "./probes";
import { SHOP_ISSUES, startSentrySandbox, type SentryEvent, type SentrySandbox } from "./sandbox";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const MIN = 60_000;
const NOW = Math.floor(Date.now() / MIN) * MIN + 30_000;

// Seeded events in the last 5 minutes: 35 webhook errors, 6 payment errors, 4 elsewhere; 3 older ones outside the window.
function seeded(): SentryEvent[] {
  const out: SentryEvent[] = [];
  for (let i = 0; i < 35; i++) out.push({ at: NOW - 5 * MIN + 1000 + i * 8000, transaction: "/api/stripe/webhook", issueId: "5101" });
  for (let i = 0; i < 6; i++) out.push({ at: NOW - 4 * MIN + i * 20_000, transaction: i % 2 ? "/api/checkout/session" : "/api/checkout", issueId: "5104" });
  for (let i = 0; i < 4; i++) out.push({ at: NOW - 3 * MIN + i * 30_000, transaction: "/api/orders", issueId: "5102" });
  for (let i = 0; i < 3; i++) out.push({ at: NOW - 20 * MIN + i * 1000, transaction: "/api/stripe/webhook", issueId: "5101" });
  return out;
}

const read = (p: ProbeDefinition, now = NOW) => p.read({ signal: new AbortController().signal, log: silent, now: () => new Date(now) });
const byId = (ps: ProbeDefinition[], id: string) => ps.find((p) => p.id === id)!;

describe("sentry probes against the sandbox", () => {
  let sandbox: SentrySandbox;
  let probes: ProbeDefinition[];
  beforeAll(async () => {
    const events = seeded();
    sandbox = await startSentrySandbox({ issues: SHOP_ISSUES, events: () => events, now: () => NOW });
    const config = SentryConfigSchema.parse({ org: sandbox.org, project: sandbox.project, token: sandbox.token, url: sandbox.url });
    probes = sentryProbes(config, createSentryClient(config), undefined);
  });
  afterAll(() => sandbox.stop());

  it("events per minute overall and per route equal the seeded counts, and the preset thresholds apply", async () => {
    expect(sandbox.count(NOW - 5 * MIN, NOW)).toBe(45);
    expect((await read(byId(probes, "error-rate"))).value).toBe(9); // 45 / 5 min
    expect((await read(byId(probes, "route-stripe-webhook"))).value).toBe(7); // 35 / 5
    expect((await read(byId(probes, "route-payments"))).value).toBe(1.2); // 6 / 5, both checkout transactions
    expect(byId(probes, "error-rate").thresholds).toEqual({ warn: "> 5", critical: "> 10" });
    expect(byId(probes, "route-payments").thresholds).toMatchObject({ critical: "> 1" });
    expect(byId(probes, "route-stripe-webhook").thresholds).toMatchObject({ critical: "> 5" });
    expect(sandbox.requests.some((r) => r.includes("events-stats") && decodeURIComponent(r).includes('transaction:"/api/stripe/webhook"'))).toBe(true);
  });

  it("top unresolved issues carry counts and links", async () => {
    const r = await read(byId(probes, "top-issues"));
    expect(r.value).toBe(3);
    expect(r.rows![0]).toMatchObject({ issue: "SHOP-WEB-1A", events: 38 });
    expect(String(r.rows![0]!.link)).toMatch(/\/organizations\/shop\/issues\/5101\/$/);
  });

  it("a 429 is shown as rate-limited with Sentry's retry-after, never as zero errors", async () => {
    sandbox.rateLimit(1, 37);
    const r = await read(byId(probes, "route-stripe-webhook"));
    expect(r.value).toBeNull();
    expect(r.status).toBe("unknown");
    expect(r.summary).toMatch(/Rate-limited by Sentry: retry after 37 s/);
    expect((await read(byId(probes, "route-stripe-webhook"))).value).toBe(7);
  });

  it("a rejected token → unknown with authentication failed, never the token", async () => {
    const config = SentryConfigSchema.parse({ org: sandbox.org, project: sandbox.project, token: "sntrys_wrong_token_999", url: sandbox.url });
    const r = await read(byId(sentryProbes(config, createSentryClient(config), undefined), "error-rate"));
    expect(r).toMatchObject({ value: null, status: "unknown" });
    expect(r.summary).toMatch(/authentication failed/);
    expect(JSON.stringify(r)).not.toContain("sntrys_wrong_token_999");
  });

  it("a project slug Sentry does not know is named, not 'The requested resource does not exist'", async () => {
    const config = SentryConfigSchema.parse({ org: sandbox.org, project: "shop-webb", token: sandbox.token, url: sandbox.url });
    const r = await read(byId(sentryProbes(config, createSentryClient(config), undefined), "error-rate"));
    expect(r).toMatchObject({ value: null, status: "unknown" });
    expect(r.summary).toContain('no project "shop-webb" in organization "shop"; check the project slug');
    // The SLO service's Discover count says the same for an sli.sentry project.
    const client = createSentryClient({ ...config, project: sandbox.project });
    await expect(client.transactionCounts({ project: "shop-apii", metric: "failure_rate" }, { from: new Date(NOW - 5 * MIN), to: new Date(NOW) })).rejects.toThrow('Sentry: no project "shop-apii" in organization "shop"; check the project slug (HTTP 404)');
  });
});
