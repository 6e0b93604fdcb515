import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProbeContext, ProbeDefinition } from "../plugin-api";
import { resolveProviders, StatuspageConfigSchema } from "./config";
import plugin from "./index";
import { ProviderPoller } from "./poller";
import { startStatusSandbox, type StatusSandbox } from "./sandbox";

const ctx = (): ProbeContext => ({ signal: AbortSignal.timeout(30_000), log: { debug() {}, info() {}, warn() {}, error() {} }, now: () => new Date() });
const log = { debug() {}, info() {}, warn() {}, error() {} };

async function setup(raw: unknown) {
  const config = StatuspageConfigSchema.parse(raw);
  const instance = await plugin.setup({ config, log, deps: {} as never, demo: false, dataDir: "/tmp" });
  const probes = new Map((instance.probes ?? []).map((p) => [p.id, p] as [string, ProbeDefinition]));
  return { probes, service: instance.provides!["statuspage.providers"] as import("./api").ProviderStatusService };
}

describe("statuspage config", () => {
  it("takes a preset by name, a preset with overrides, or kind and url", () => {
    const c = StatuspageConfigSchema.parse({ providers: { stripe: "stripe", fb: { preset: "firebase", components: ["Cloud Firestore"] }, own: { kind: "feed", url: "https://status.example.com/feed.atom", title: "Own" } } });
    const [stripe, fb, own] = resolveProviders(c);
    expect(stripe).toMatchObject({ name: "stripe", kind: "statuspage", url: "https://www.stripestatus.com", title: "Stripe", plugins: ["stripe"], components: null });
    expect(fb).toMatchObject({ kind: "google-cloud", components: ["Cloud Firestore"], title: "Firebase" });
    expect(own).toMatchObject({ kind: "feed", title: "Own", plugins: [] });
    expect(c.every).toBe("2m");
  });

  it("names the missing key of a provider without a preset, an unknown preset and the reserved name all", () => {
    const r = StatuspageConfigSchema.safeParse({ providers: { own: { url: "https://x.example.com" } } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.some((i) => i.path.join(".") === "providers.own.kind")).toBe(true);
    expect(StatuspageConfigSchema.safeParse({ providers: { x: "statusgator" } }).success).toBe(false);
    const all = StatuspageConfigSchema.safeParse({ providers: { all: "stripe" } });
    expect(all.error!.issues[0].message).toMatch(/may not be named all/);
  });
});

describe("statuspage against the sandboxes", () => {
  let sb: StatusSandbox;
  beforeEach(async () => {
    sb = await startStatusSandbox();
  });
  afterEach(async () => {
    await sb.stop();
  });

  it("Statuspage: worst watched component, open incidents with latest update and link; one fetch per interval, then 304", async () => {
    sb.addProvider("stripe", "statuspage", "Stripe", ["API", "Webhooks", "Dashboard"]);
    sb.setComponent("stripe", "Dashboard", "major_outage");
    let clock = Date.now();
    const [p] = resolveProviders(StatuspageConfigSchema.parse({ providers: { stripe: { preset: "stripe", url: sb.providerUrl("stripe"), components: ["API", "Webhooks"] } } }));
    const poller = new ProviderPoller(p, { everyMs: 120_000, timeoutMs: 2000, maxBytes: 1_000_000, feedWindowMs: 86_400_000, now: () => clock });
    let s = await poller.read();
    expect(s.error).toBeNull();
    expect(s.components).toEqual([{ name: "API", status: "operational" }, { name: "Webhooks", status: "operational" }]);

    sb.setComponent("stripe", "Webhooks", "partial_outage");
    const id = sb.openIncident("stripe", { name: "Delayed webhooks", impact: "major", components: ["Webhooks"], body: "We are investigating delays." });
    s = await poller.read();
    expect(sb.hitsOf("stripe")).toBe(1); // within the interval: the state already held
    clock += 120_000;
    s = await Promise.all([poller.read(), poller.read(), poller.read()]).then((r) => r[0]);
    expect(sb.hitsOf("stripe")).toBe(2);
    expect(s.components.find((c) => c.name === "Webhooks")!.status).toBe("partial_outage");
    expect(s.incidents).toHaveLength(1);
    expect(s.incidents[0]).toMatchObject({ id, title: "Delayed webhooks", status: "investigating", link: `${sb.url}/stripe/incidents/${id}` });

    clock += 120_000;
    await poller.read();
    expect(sb.notModified()).toBe(1);
    expect(poller.state.components.find((c) => c.name === "Webhooks")!.status).toBe("partial_outage");
    expect(poller.state.checkedAt).toBe(clock);

    // Resolved: the summary no longer lists it; the plugin asks incidents.json how it ended.
    sb.updateIncident("stripe", id, "resolved", "Deliveries have caught up.");
    sb.setComponent("stripe", "Webhooks", "operational");
    clock += 120_000;
    await poller.read();
    const done = poller.state.incidents.find((i) => i.id === id)!;
    expect(done.status).toBe("resolved");
    expect(done.resolvedAt).not.toBeNull();
    expect(done.updates.at(-1)!.body).toBe("Deliveries have caught up.");
  });

  it("Statuspage probe reading: critical on a partial outage of a watched component, rows for components and incidents", async () => {
    sb.addProvider("vercel", "statuspage", "Vercel", ["Deployments", "Edge Network"]);
    sb.setComponent("vercel", "Deployments", "partial_outage");
    sb.openIncident("vercel", { name: "Builds failing", impact: "major", components: ["Deployments"], body: "Builds fail to start." });
    const { probes } = await setup({ providers: { vercel: { preset: "vercel", url: sb.providerUrl("vercel") } } });
    const r = await probes.get("vercel")!.read(ctx());
    expect(r.status).toBe("critical");
    expect(r.value).toBe(1);
    expect(r.summary).toContain("Deployments: partial outage");
    expect(r.rows).toContainEqual(expect.objectContaining({ kind: "incident", name: "Builds failing", latestUpdate: "investigating: Builds fail to start." }));
    expect(r.rows).toContainEqual(expect.objectContaining({ kind: "component", name: "Edge Network", status: "operational" }));
  });

  it("Google Cloud incidents.json: an open incident on a watched product, resolved when the feed gives its end", async () => {
    sb.addProvider("firebase", "google-cloud", "Firebase");
    const id = sb.openIncident("firebase", { name: "Cloud Firestore: elevated write latency", impact: "major", components: ["Cloud Firestore"], body: "Investigating." });
    sb.openIncident("firebase", { name: "BigQuery slow", impact: "critical", components: ["BigQuery"], body: "Slow." });
    let clock = Date.now();
    const [p] = resolveProviders(StatuspageConfigSchema.parse({ providers: { firebase: { preset: "firebase", url: sb.providerUrl("firebase"), components: ["Cloud Firestore", "Authentication"] } } }));
    const poller = new ProviderPoller(p, { everyMs: 60_000, timeoutMs: 2000, maxBytes: 1_000_000, feedWindowMs: 86_400_000, now: () => clock });
    const s = await poller.read();
    expect(s.components).toEqual([{ name: "Cloud Firestore", status: "partial_outage" }, { name: "Authentication", status: "operational" }]);
    expect(s.incidents.map((i) => i.title)).toEqual(["Cloud Firestore: elevated write latency"]); // BigQuery is not watched
    expect(s.incidents[0].link).toBe(`${sb.url}/firebase/incidents/${id}`);
    clock += 60_000;
    await poller.read();
    expect(sb.notModified()).toBe(1);
    sb.updateIncident("firebase", id, "resolved", "Fixed.");
    clock += 60_000;
    await poller.read();
    expect(poller.state.incidents[0]).toMatchObject({ id, status: "resolved" });
    expect(poller.state.components[0].status).toBe("operational");
  });

  it("RSS and Atom feeds: an entry that does not say resolved is an open incident (warn), 304 on no change", async () => {
    sb.addProvider("railway", "feed", "Railway");
    const id = sb.openIncident("railway", { name: "Builds queued", body: "Builds are queued longer than usual." });
    const { probes } = await setup({ providers: { railway: { preset: "railway", url: sb.providerUrl("railway") }, atom: { kind: "feed", url: `${sb.url}/railway/feed.atom` } } });
    const r = await probes.get("railway")!.read(ctx());
    expect(r.status).toBe("warn");
    expect(r.rows).toContainEqual(expect.objectContaining({ kind: "incident", name: "Builds queued", link: `${sb.url}/railway/incidents/${id}` }));
    expect((await probes.get("atom")!.read(ctx())).status).toBe("warn");
    sb.updateIncident("railway", id, "resolved", "All builds are running.");
    const [p] = resolveProviders(StatuspageConfigSchema.parse({ providers: { railway: { preset: "railway", url: sb.providerUrl("railway") } } }));
    let clock = Date.now();
    const poller = new ProviderPoller(p, { everyMs: 60_000, timeoutMs: 2000, maxBytes: 1_000_000, feedWindowMs: 86_400_000, now: () => clock });
    expect((await poller.read()).incidents[0].status).toBe("resolved");
    clock += 60_000;
    await poller.read();
    expect(sb.notModified()).toBe(1);
  });

  it("a malformed answer, a huge answer and a hung provider read as unknown with the reason; the others are unaffected", async () => {
    for (const n of ["ok", "garbage", "huge", "hung"]) sb.addProvider(n, "statuspage", n, ["API"]);
    sb.mode("garbage", "malformed");
    sb.mode("huge", "huge");
    sb.mode("hung", "hang");
    const providers = Object.fromEntries(["ok", "garbage", "huge", "hung"].map((n) => [n, { kind: "statuspage", url: sb.providerUrl(n) }]));
    const { probes } = await setup({ providers, timeout: "1s", maxBytes: 100_000 });
    await expect(probes.get("garbage")!.read(ctx())).rejects.toThrow(/not JSON/);
    await expect(probes.get("huge")!.read(ctx())).rejects.toThrow(/too large/);
    const started = Date.now();
    const all = await probes.get("all")!.read(ctx());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(all.rows).toEqual([
      expect.objectContaining({ provider: "ok", status: "ok" }),
      expect.objectContaining({ provider: "garbage", status: "unknown", summary: expect.stringMatching(/not JSON/) }),
      expect.objectContaining({ provider: "huge", status: "unknown", summary: expect.stringMatching(/too large/) }),
      expect.objectContaining({ provider: "hung", status: "unknown", summary: expect.stringMatching(/no answer within 1000 ms/) }),
    ]);
    expect(all.status).toBe("ok");
    expect(all.value).toBe(3);
    await expect(probes.get("hung")!.read(ctx())).rejects.toThrow(/no answer within/);
    expect((await probes.get("ok")!.read(ctx())).status).toBe("ok");
  });
});
