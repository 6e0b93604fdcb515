import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startStatusSandbox, type StatusSandbox } from "../../plugins/statuspage/sandbox";
import { createOrUpdateUser, login, sessionCookie } from "~/core/auth.server";
import { listAlerts } from "~/core/alerts/inbox.server";
import { raiseInternalAlerts } from "~/core/alerts/internal.server";
import { createSilence } from "~/core/alerts/silences.server";
import { declareIncident, getIncident } from "~/core/incidents/incidents.server";
import { componentAlerts, providerIncidentsBootStep, providerStatus } from "~/core/incidents/provider-incidents.server";
import { assembleTimeline } from "~/core/incidents/timeline.server";
import { probeEngine } from "~/core/probes/service.server";
import { loader as readingLoader } from "~/routes/api.probes.$probeId";
import { makeRequest, testPortal } from "../helpers/portal";

// The statuspage plugin inside a whole portal: provider incidents on our timeline, component outages
// in the inbox (silences apply), and one fetch per provider per interval whatever the number of viewers.
const RUNBOOK = `---\ntitle: Stripe webhook failures\nplugins: [statuspage]\n---\n## Is it us or them?\n::status{probe="statuspage.stripe"}\n\nCheck the Stripe API status before touching the endpoint.\n`;
const OTHER = `---\ntitle: Cache warmup\n---\n## Steps\nWarm the cache.\n`;

describe("statuspage in the portal", () => {
  let sb: StatusSandbox;
  let env: Awaited<ReturnType<typeof testPortal>>;
  let cookie: string;
  const responder = { username: "responder", roles: ["responder"] };

  beforeAll(async () => {
    sb = await startStatusSandbox();
    sb.addProvider("stripe", "statuspage", "Stripe", ["API", "Webhooks", "Dashboard"]);
    sb.addProvider("vercel", "statuspage", "Vercel", ["Deployments"]);
    sb.addProvider("firebase", "google-cloud", "Firebase");
    env = await testPortal({
      config: {
        plugins: {
          statuspage: {
            every: "1s",
            timeout: "2s",
            providers: {
              stripe: { preset: "stripe", url: sb.providerUrl("stripe"), components: ["API", "Webhooks"] },
              vercel: { preset: "vercel", url: sb.providerUrl("vercel") },
              firebase: { preset: "firebase", url: sb.providerUrl("firebase"), components: ["Cloud Firestore"] },
            },
          },
        },
      },
      runbooks: { "stripe-webhooks.md": RUNBOOK, "cache.md": OTHER },
      steps: [providerIncidentsBootStep],
      background: false,
    });
    await createOrUpdateUser(env.portal.store, { username: "viewer", password: "test-password", roles: ["viewer"] });
    const r = await login(env.portal.store, env.portal.config, { username: "viewer", password: "test-password", address: "127.0.0.1" });
    if (!r.ok) throw new Error("sign-in failed");
    cookie = sessionCookie(makeRequest("/"), r.token, 60).split(";")[0];
  }, 60_000);
  afterAll(async () => {
    await env?.cleanup();
    await sb?.stop();
  });

  const alerts = () => env.portal.store.db.selectFrom("alerts").selectAll().where("receiver", "=", "statuspage").execute();
  const check = async (id: string) => {
    await new Promise((r) => setTimeout(r, 1050)); // past the 1 s interval
    await probeEngine(env.portal).refresh(id);
  };

  it("a Stripe incident joins our open incident whose runbook names Stripe, with its updates, and resolves when Stripe says so", async () => {
    const ours = await declareIncident(env.portal.store, responder, { title: "Orders not confirmed", severity: "P2", runbooks: ["stripe-webhooks"] });
    const unrelated = await declareIncident(env.portal.store, responder, { title: "Slow catalog", severity: "P4", runbooks: ["cache"] });
    sb.setComponent("stripe", "Webhooks", "partial_outage");
    const id = sb.openIncident("stripe", { name: "Delayed webhook deliveries", impact: "major", components: ["Webhooks"], body: "We are investigating delayed webhook deliveries." });
    await check("statuspage.stripe");
    await vi.waitFor(async () => {
      const t = await assembleTimeline(env.portal.store, (await getIncident(env.portal.store, ours.id))!);
      expect(t.filter((e) => e.kind === "provider").map((e) => e.title)).toEqual(["Stripe incident started: Delayed webhook deliveries"]);
    });
    sb.updateIncident("stripe", id, "identified", "A queue backlog was identified; deliveries are catching up.");
    await check("statuspage.stripe");
    await check("statuspage.stripe"); // nothing new: no line twice
    sb.updateIncident("stripe", id, "resolved", "All delayed webhooks have been delivered.");
    sb.setComponent("stripe", "Webhooks", "operational");
    await check("statuspage.stripe");
    await vi.waitFor(async () => {
      const t = (await assembleTimeline(env.portal.store, (await getIncident(env.portal.store, ours.id))!)).filter((e) => e.kind === "provider");
      expect(t.map((e) => e.title)).toEqual(["Stripe incident started: Delayed webhook deliveries", "Stripe identified: Delayed webhook deliveries", "Stripe incident resolved: Delayed webhook deliveries"]);
      expect(t[2]).toMatchObject({ status: "ok", text: expect.stringContaining("All delayed webhooks have been delivered.") });
      expect(t[0].text).toContain(`${sb.url}/stripe/incidents/${id}`);
    });
    const other = await assembleTimeline(env.portal.store, (await getIncident(env.portal.store, unrelated.id))!);
    expect(other.some((e) => e.kind === "provider")).toBe(false);
  });

  it("a watched component in partial outage is an alert in the inbox, resolved when it recovers", async () => {
    // The Stripe outage of the first test came and went.
    const stripe = (await alerts()).filter((a) => a.fingerprint === "stripe:Webhooks");
    expect(stripe).toHaveLength(1);
    expect(stripe[0]).toMatchObject({ source: "statuspage", name: "ProviderComponentOutage", status: "resolved", severity: "warning" });
    expect(JSON.parse(stripe[0].labels)).toMatchObject({ provider: "stripe", component: "Webhooks", probe: "statuspage.stripe" });
    expect(stripe[0].summary).toMatch(/^Stripe Webhooks: partial outage \(Delayed webhook deliveries\)/);

    sb.openIncident("firebase", { name: "Cloud Firestore: write errors", impact: "critical", components: ["Cloud Firestore"], body: "Investigating." });
    await check("statuspage.firebase");
    await vi.waitFor(async () => {
      const fb = (await alerts()).find((a) => a.fingerprint === "firebase:Cloud Firestore");
      expect(fb).toMatchObject({ status: "firing", severity: "critical" });
    });
    // Seen again at each check: still one alert.
    await check("statuspage.firebase");
    await vi.waitFor(async () => expect((await alerts()).filter((a) => a.fingerprint === "firebase:Cloud Firestore" && a.status === "firing")).toHaveLength(1));
    const reading = await probeEngine(env.portal).reading("statuspage.firebase");
    expect(reading.status).toBe("critical");
  });

  it("silences apply: a silenced provider's outage is in the inbox muted by the silence, and no rule acts on it", async () => {
    const silence = await createSilence(env.portal, responder, { matchers: [{ name: "provider", value: "vercel", isRegex: false }], duration: "1h", comment: "Vercel outage known, not ours" });
    sb.setComponent("vercel", "Deployments", "major_outage");
    await check("statuspage.vercel");
    await vi.waitFor(async () => expect((await alerts()).find((a) => a.fingerprint === "vercel:Deployments")?.status).toBe("firing"));
    const inbox = await listAlerts(env.portal);
    expect(inbox.find((a) => a.fingerprint === "vercel:Deployments")).toMatchObject({ severity: "critical", silencedBy: silence.id });
    expect(inbox.find((a) => a.fingerprint === "firebase:Cloud Firestore")).toMatchObject({ silencedBy: null });
    // What the next check would send for a second component: stored, counted as silenced, no rule run.
    const state = providerStatus(env.portal)!.providers().find((p) => p.name === "vercel")!;
    const outcome = await raiseInternalAlerts(env.portal, "statuspage", componentAlerts({ ...state, components: [{ name: "Edge Network", status: "partial_outage" }] }, ["partial_outage", "major_outage"], Date.now()));
    expect(outcome).toMatchObject({ fired: 1, silenced: 1, incidents: [] });
    sb.setComponent("vercel", "Deployments", "operational");
    await check("statuspage.vercel");
    await vi.waitFor(async () => expect((await alerts()).find((a) => a.fingerprint === "vercel:Deployments")?.status).toBe("resolved"));
  });

  it("200 viewers at once: each provider is fetched once per interval", async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const before = { stripe: sb.hitsOf("stripe"), vercel: sb.hitsOf("vercel"), firebase: sb.hitsOf("firebase") };
    const ids = ["statuspage.stripe", "statuspage.all", "statuspage.firebase"];
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, n) => {
        const id = ids[n % ids.length];
        const res = (await readingLoader({ request: makeRequest(`/api/probes/${id}`, { cookie }), params: { probeId: id }, context: {} } as never)) as Response;
        return { status: res.status, body: (await res.json()) as { id: string; status: string } };
      }),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // Every viewer got an answer, stale-while-revalidate or fresh; let the one refresh per probe finish.
    await Promise.all(ids.map((id) => probeEngine(env.portal).refresh(id)));
    expect({ stripe: sb.hitsOf("stripe") - before.stripe, vercel: sb.hitsOf("vercel") - before.vercel, firebase: sb.hitsOf("firebase") - before.firebase }).toEqual({ stripe: 1, vercel: 1, firebase: 1 });
    // Within the interval, another 200 cost nothing.
    await Promise.all(Array.from({ length: 200 }, (_, n) => readingLoader({ request: makeRequest(`/api/probes/${ids[n % 3]}`, { cookie }), params: { probeId: ids[n % 3] }, context: {} } as never)));
    expect(sb.hitsOf("stripe") - before.stripe).toBe(1);
  });
});
