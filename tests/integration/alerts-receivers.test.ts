import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { definePlugin, probe, type PluginDefinition } from "../../plugins/plugin-api";
import { createApiToken } from "~/core/auth.server";
import { dashboardFigures } from "~/core/incidents/dashboard.server";
import { getIncident } from "~/core/incidents/incidents.server";
import { assembleTimeline } from "~/core/incidents/timeline.server";
import type { Portal } from "~/core/portal.server";
import { sweepAlerts } from "~/core/alerts/service.server";
import { mirrorActiveWindows } from "~/core/alerts/silences.server";
import http from "node:http";
import { probeRowStates } from "~/core/alerts/probe-rows.server";
import { action as probeRowRoute } from "~/routes/api.alerts.probes.$probeId";
import { action as receive } from "~/routes/api.alerts.$receiver";
import { loader as listRoute } from "~/routes/api.alerts._index";
import { action as ackRoute } from "~/routes/api.alerts.$id.ack";
import { action as silenceRoute, loader as silencesRoute } from "~/routes/api.silences";
import { DIALECTS, makeRequest, testPortal } from "../helpers/portal";

const AM_TOKEN = "am-webhook-token-0123456789";
const GRAFANA_TOKEN = "grafana-token-0123456789";
const SENTRY_SECRET = "sentry-client-secret-abcdef0123456789";
const HOOK_TOKEN = "custom-hook-token-0123456789";

function shopPlugin(): { plugin: PluginDefinition; state: { queue: number } } {
  const state = { queue: 42 };
  const plugin = definePlugin({
    id: "shop",
    title: "Shop",
    config: z.object({}).strict(),
    async demo() {
      return { config: {}, stop: async () => {} };
    },
    setup() {
      return {
        probes: [
          probe({ id: "queue", title: "Checkout queue", unit: "jobs", every: "1m", thresholds: { critical: "> 10" }, async read() {
            return { value: state.queue, summary: `${state.queue} jobs waiting` };
          } }),
        ],
        actions: [],
      };
    },
  });
  return { plugin, state };
}

const RUNBOOKS = {
  "payments/checkout-down.md": `---\ntitle: Checkout is down\nalert: CheckoutDown\nservice: checkout\nplugins: [shop]\n---\n## Detect\n::status{probe="shop.queue"}\n`,
  "shop/catalog.md": `---\ntitle: Catalog runbook\nservice: shop\n---\n## CatalogSlow\nCheck the cache.\n`,
};

const CONFIG = {
  alerts: {
    receivers: {
      am: { kind: "alertmanager", token: AM_TOKEN },
      grafana: { kind: "grafana", token: GRAFANA_TOKEN },
      sentry: { kind: "sentry", clientSecret: SENTRY_SECRET },
      custom: { kind: "webhook", token: HOOK_TOKEN, map: { name: "/title", status: "/state", severity: "/labels/severity", fingerprint: "/id" } },
    },
    rules: [
      { matchers: [{ name: "team", value: "payments", isRegex: false }], declare: { severity: { critical: "P1", warning: "P2" } } },
      { matchers: [{ name: "service", value: "shop" }], join: true },
    ],
  },
};

function amPayload(alerts: { name: string; status?: "firing" | "resolved"; labels?: Record<string, string>; fingerprint?: string; startsAt?: string; endsAt?: string; annotations?: Record<string, string> }[]) {
  return {
    version: "4",
    groupKey: '{}:{alertname="x"}',
    status: alerts.some((a) => (a.status ?? "firing") === "firing") ? "firing" : "resolved",
    receiver: "opsdeck",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager.local",
    truncatedAlerts: 0,
    alerts: alerts.map((a) => ({
      status: a.status ?? "firing",
      labels: { alertname: a.name, ...(a.labels ?? {}) },
      annotations: a.annotations ?? { summary: `${a.name} is firing` },
      startsAt: a.startsAt ?? "2026-01-01T10:00:00Z",
      endsAt: a.endsAt ?? "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.local/graph",
      fingerprint: a.fingerprint ?? crypto.createHash("sha1").update(a.name + JSON.stringify(a.labels ?? {})).digest("hex").slice(0, 16),
    })),
  };
}

describe.each(DIALECTS)("alert receivers on %s", (dialect) => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  let shop: ReturnType<typeof shopPlugin>;
  let responder: string;
  let viewer: string;

  beforeAll(async () => {
    shop = shopPlugin();
    ({ portal, cleanup } = await testPortal({ dialect, config: CONFIG, plugins: [shop.plugin], runbooks: RUNBOOKS }));
    const users = await portal.store.db.selectFrom("users").select(["id", "username"]).execute();
    const id = (name: string) => users.find((u) => u.username === name)!.id;
    responder = `Bearer ${(await createApiToken(portal.store, id("responder"), "t")).token}`;
    viewer = `Bearer ${(await createApiToken(portal.store, id("viewer"), "t")).token}`;
  });
  afterAll(async () => cleanup?.());

  const send = (receiver: string, body: unknown, headers: Record<string, string>) =>
    receive({ request: makeRequest(`/api/alerts/${receiver}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) }), params: { receiver }, context: {} });
  const am = (body: unknown, token = AM_TOKEN) => send("am", body, { authorization: `Bearer ${token}` });
  const list = async (status = "all", authz = responder) => (await (await listRoute({ request: makeRequest(`/api/alerts?status=${status}`, { headers: { authorization: authz } }), params: {}, context: {} })).json()) as any[];
  const count = async () => Number((await portal.store.db.selectFrom("alerts").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const audits = async (outcome: string) => (await portal.store.db.selectFrom("audit_entries").select(["actor", "outcome", "details"]).where("action", "=", "alert.received").where("outcome", "=", outcome).execute());

  it("stores an Alertmanager alert once, counts re-sends, and resolves it", async () => {
    const payload = amPayload([{ name: "DiskFull", labels: { severity: "warning", instance: "db1" }, fingerprint: "aa11" }]);
    const first = await am(payload);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ received: 1, fired: 1, deduplicated: 0 });
    for (let i = 0; i < 3; i++) expect(await (await am(payload)).json()).toMatchObject({ fired: 0, deduplicated: 1 });
    const firing = (await list("firing")).filter((a) => a.name === "DiskFull");
    expect(firing).toHaveLength(1);
    const [a] = firing;
    for (const key of ["id", "fingerprint", "source", "name", "status", "severity", "labels", "summary", "startsAt", "endsAt", "lastSeenAt", "runbook", "incidentId", "acknowledgedBy", "acknowledgedAt", "silencedBy"]) expect(a).toHaveProperty(key);
    expect(a).toMatchObject({ fingerprint: "aa11", source: "alertmanager", status: "firing", severity: "warning", summary: "DiskFull is firing", receivedCount: 4 });
    expect(await audits("succeeded")).toHaveLength(4);

    const resolved = await am(amPayload([{ name: "DiskFull", status: "resolved", labels: { severity: "warning", instance: "db1" }, fingerprint: "aa11", endsAt: new Date().toISOString() }]));
    expect(await resolved.json()).toMatchObject({ resolved: 1 });
    expect((await list("firing")).find((x) => x.name === "DiskFull")).toBeUndefined();
    expect((await list("resolved")).filter((x) => x.name === "DiskFull")).toHaveLength(1);
    // Fires again later: a new episode; the old one stays in history.
    await am(amPayload([{ name: "DiskFull", labels: { severity: "warning", instance: "db1" }, fingerprint: "aa11", startsAt: new Date(Date.now() + 1000).toISOString() }]));
    expect((await list("all")).filter((x) => x.name === "DiskFull").map((x) => x.status).sort()).toEqual(["firing", "resolved"]);
  });

  it("resolves a firing alert whose endsAt has passed", async () => {
    await am(amPayload([{ name: "ShortLived", fingerprint: "bb22", endsAt: new Date(Date.now() + 50).toISOString() }]));
    expect((await list("firing")).some((a) => a.name === "ShortLived")).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(await sweepAlerts(portal)).toBeGreaterThanOrEqual(1);
    expect((await list("resolved")).some((a) => a.name === "ShortLived")).toBe(true);
  });

  it("refuses wrong or missing credentials with 401 and stores nothing", async () => {
    const before = await count();
    const payload = amPayload([{ name: "Intruder", fingerprint: "cc33" }]);
    expect((await am(payload, "wrong-token-0123456789")).status).toBe(401);
    expect((await send("am", payload, {})).status).toBe(401);
    expect((await send("grafana", payload, { authorization: `Basic ${Buffer.from("x:y").toString("base64")}` })).status).toBe(401);
    expect((await send("custom", { title: "x" }, { authorization: `Bearer ${AM_TOKEN}` })).status).toBe(401);
    expect(await count()).toBe(before);
    expect((await audits("denied")).length).toBeGreaterThanOrEqual(4);
    expect((await send("nope", payload, { authorization: `Bearer ${AM_TOKEN}` })).status).toBe(404);
  });

  it("answers malformed and hostile payloads with a 4xx naming the field, never a partial write", async () => {
    const before = await count();
    const cases: [unknown, number, string][] = [
      [{ ...amPayload([{ name: "A" }]), status: "exploded" }, 400, "status"],
      [{ ...amPayload([]), alerts: [{ status: "firing", labels: { severity: "x" } }] }, 400, "alerts.0.labels.alertname"],
      [{ ...amPayload([{ name: "A" }]), alerts: [amPayload([{ name: "Good" }]).alerts[0], { ...amPayload([{ name: "B" }]).alerts[0], startsAt: "yesterday" }] }, 400, "alerts.1.startsAt"],
      [{ ...amPayload([]), alerts: [{ status: "firing", labels: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`l${i}`, "v"])) }] }, 400, "alerts.0.labels"],
      [{ ...amPayload([]), alerts: [{ status: "firing", labels: { alertname: "X", nested: { deep: 1 } } }] }, 400, "alerts.0.labels.nested"],
      [{ ...amPayload([]), alerts: "not a list" }, 400, "alerts"],
      [{ ...amPayload([]), alerts: Array.from({ length: 1001 }, () => ({})) }, 400, "alerts"],
    ];
    for (const [body, status, field] of cases) {
      const res = await am(body);
      expect(res.status, field).toBe(status);
      const out = (await res.json()) as { fieldErrors: Record<string, string[]> };
      expect(Object.keys(out.fieldErrors), field).toContain(field);
    }
    let deep = "1";
    for (let i = 0; i < 5000; i++) deep = `{"a":${deep}}`;
    expect((await am(deep)).status).toBe(400);
    expect((await am("{not json")).status).toBe(400);
    expect((await am("x".repeat(300 * 1024))).status).toBe(413);
    expect((await send("am", "a=b", { authorization: `Bearer ${AM_TOKEN}`, "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect(await count()).toBe(before);
    expect((await audits("invalid")).length).toBeGreaterThanOrEqual(cases.length);
    // Unknown fields are ignored, not refused.
    const extra = await am({ ...amPayload([{ name: "WithExtras", fingerprint: "dd44" }]), surprise: { a: [1, 2] }, alerts: [{ ...amPayload([{ name: "WithExtras", fingerprint: "dd44" }]).alerts[0], unknownField: true }] });
    expect(extra.status).toBe(200);
  });

  it("takes Grafana's contact point payload with a bearer token", async () => {
    const body = { ...amPayload([{ name: "HighLatency", labels: { severity: "critical", grafana_folder: "Shop" }, fingerprint: "gf01" }]), orgId: 1, title: "[FIRING:1] HighLatency", state: "alerting", message: "latency high", version: "1" };
    body.alerts = body.alerts.map((a) => ({ ...a, values: { B: 1.2 }, dashboardURL: "http://g/d", panelURL: "http://g/p", silenceURL: "http://g/s" })) as any;
    const res = await send("grafana", body, { authorization: `Bearer ${GRAFANA_TOKEN}` });
    expect(res.status).toBe(200);
    expect((await list("firing")).find((a) => a.name === "HighLatency")).toMatchObject({ source: "grafana", severity: "critical" });
  });

  it("checks Sentry's signature over the raw body", async () => {
    const event = { action: "triggered", data: { event: { issue_id: "1170", title: "TypeError: cart is undefined", level: "error", web_url: "https://sentry.io/x" }, triggered_rule: "Checkout errors" }, installation: { uuid: "i" }, actor: { id: "sentry", name: "Sentry", type: "application" } };
    const text = JSON.stringify(event);
    const sign = (body: string, secret = SENTRY_SECRET) => crypto.createHmac("sha256", secret).update(body).digest("hex");
    const before = await count();
    expect((await send("sentry", text, { "sentry-hook-resource": "event_alert", "sentry-hook-signature": sign(text, "wrong-secret-0123456789") })).status).toBe(401);
    expect((await send("sentry", text.replace("cart", "CART"), { "sentry-hook-resource": "event_alert", "sentry-hook-signature": sign(text) })).status).toBe(401);
    expect((await send("sentry", text, { "sentry-hook-resource": "event_alert" })).status).toBe(401);
    expect(await count()).toBe(before);
    const ok = await send("sentry", text, { "sentry-hook-resource": "event_alert", "sentry-hook-signature": sign(text) });
    expect(ok.status).toBe(200);
    expect((await list("firing")).find((a) => a.source === "sentry")).toMatchObject({ name: "Checkout errors", fingerprint: "issue:1170", severity: "error" });

    // The issue resolved in Sentry resolves the same alert.
    const resolved = JSON.stringify({ action: "resolved", data: { issue: { id: "1170", title: "TypeError: cart is undefined", level: "error" } }, installation: { uuid: "i" }, actor: { id: "u1", name: "Ana", type: "user" } });
    expect(await (await send("sentry", resolved, { "sentry-hook-resource": "issue", "sentry-hook-signature": sign(resolved) })).json()).toMatchObject({ resolved: 1 });

    const metric = JSON.stringify({ action: "critical", data: { metric_alert: { id: "m1", title: "Too many errors", date_started: new Date().toISOString(), alert_rule: { id: "77", name: "Error rate" } }, description_title: "Critical: Error rate", description_text: "1000 events in the last 10 minutes", web_url: "https://sentry.io/m" }, installation: { uuid: "i" }, actor: { id: "sentry" } });
    expect((await send("sentry", metric, { "sentry-hook-resource": "metric_alert", "sentry-hook-signature": sign(metric) })).status).toBe(200);
    expect((await list("firing")).find((a) => a.fingerprint === "metric:77")).toMatchObject({ name: "Error rate", severity: "critical" });
    const bad = JSON.stringify({ action: "critical", data: { metric_alert: { alert_rule: { name: 5 } } } });
    const badRes = await send("sentry", bad, { "sentry-hook-resource": "metric_alert", "sentry-hook-signature": sign(bad) });
    expect(badRes.status).toBe(400);
    expect(Object.keys(((await badRes.json()) as any).fieldErrors)).toContain("data.metric_alert.alert_rule.id");
  });

  it("maps any JSON through the webhook receiver's pointers", async () => {
    const res = await send("custom", { id: "ext-9", title: "Queue backed up", state: "alerting", labels: { severity: "warning" } }, { authorization: `Bearer ${HOOK_TOKEN}` });
    expect(res.status).toBe(200);
    expect((await list("firing")).find((a) => a.fingerprint === "ext-9")).toMatchObject({ name: "Queue backed up", severity: "warning", source: "webhook" });
    const missing = await send("custom", { id: "ext-10", state: "alerting" }, { authorization: `Bearer ${HOOK_TOKEN}` });
    expect(missing.status).toBe(400);
    expect(Object.keys(((await missing.json()) as any).fieldErrors)[0]).toMatch(/^\/title/);
    await send("custom", { id: "ext-9", title: "Queue backed up", state: "ok" }, { authorization: `Bearer ${HOOK_TOKEN}` });
    expect((await list("resolved")).find((a) => a.fingerprint === "ext-9")).toBeTruthy();
  });

  it("declares an incident from a rule, with the runbook's evidence on its timeline, and MTTA from the alert", async () => {
    const startsAt = new Date(Date.now() - 10 * 60_000).toISOString();
    const res = await am(amPayload([{ name: "CheckoutDown", labels: { team: "payments", severity: "critical" }, fingerprint: "ee55", startsAt, annotations: { summary: "Checkout answers 502" } }]));
    const answer = (await res.json()) as { incidents: string[] };
    expect(answer.incidents).toHaveLength(1);
    const incidentId = answer.incidents[0]!;
    const incident = (await getIncident(portal.store, incidentId))!;
    expect(incident).toMatchObject({ severity: "P1", runbooks: ["payments/checkout-down"], plugins: ["shop"], acknowledgedAt: null, commander: null, detectedAt: Date.parse(startsAt) });
    const alert = (await list("firing")).find((a) => a.fingerprint === "ee55");
    expect(alert).toMatchObject({ incidentId, runbook: { path: "payments/checkout-down", title: "Checkout is down" } });
    expect(alert.evidence).toEqual([expect.objectContaining({ id: "shop.queue", status: "critical", value: 42, summary: "42 jobs waiting" })]);
    let timeline = await assembleTimeline(portal.store, incident);
    const fired = timeline.find((e) => e.kind === "alert");
    expect(fired?.title).toBe("Alert CheckoutDown fired (critical)");
    expect(fired?.text).toContain("Checkout queue: critical — 42 jobs waiting");

    // Re-sends do not declare again.
    expect(await (await am(amPayload([{ name: "CheckoutDown", labels: { team: "payments", severity: "critical" }, fingerprint: "ee55", startsAt }]))).json()).toMatchObject({ incidents: [], deduplicated: 1 });

    // A viewer may not acknowledge; a responder does, and that ends MTTA.
    const ack = (authz: string) => ackRoute({ request: makeRequest(`/api/alerts/${alert.id}/ack`, { method: "POST", headers: { authorization: authz } }), params: { id: alert.id }, context: {} });
    expect((await ack(viewer)).status).toBe(403);
    const acked = await ack(responder);
    expect(acked.status).toBe(200);
    expect(await acked.json()).toMatchObject({ acknowledgedBy: "responder" });
    expect((await ack(responder)).status).toBe(409);
    const after = (await getIncident(portal.store, incidentId))!;
    expect(after.commander).toBe("responder");
    expect(after.acknowledgedAt).not.toBeNull();
    const figures = await dashboardFigures(portal.store);
    const p1 = figures.mtta.find((m) => m.severity === "P1")!;
    expect(p1.incidents).toBe(1);
    expect(p1.minutes!).toBeGreaterThanOrEqual(9.9);

    // Resolved by the source: the open incident's timeline says so.
    await am(amPayload([{ name: "CheckoutDown", status: "resolved", labels: { team: "payments", severity: "critical" }, fingerprint: "ee55", startsAt, endsAt: new Date().toISOString() }]));
    timeline = await assembleTimeline(portal.store, after);
    expect(timeline.filter((e) => e.kind === "alert").map((e) => e.title)).toEqual(["Alert CheckoutDown fired (critical)", "Alert CheckoutDown acknowledged by responder (critical)", "Alert CheckoutDown resolved (critical)"]);
  });

  it("joins a second alert of the same runbook to its open incident instead of declaring again", async () => {
    const [open] = await portal.store.db.selectFrom("incidents").select("id").where("status", "=", "investigating").execute();
    const joined = await am(amPayload([{ name: "CheckoutDown", labels: { team: "payments", severity: "warning", region: "eu" }, fingerprint: "ff66" }]));
    expect(((await joined.json()) as { incidents: string[] }).incidents).toEqual([open!.id]);
    const timeline = await assembleTimeline(portal.store, (await getIncident(portal.store, open!.id))!);
    expect(timeline.at(-1)?.title).toBe("Alert CheckoutDown joined this incident (warning)");
    // A runbook of service "shop" has no open incident: the join rule leaves this alert alone.
    expect(await (await am(amPayload([{ name: "CatalogSlow", labels: { service: "shop" }, fingerprint: "gg77" }]))).json()).toMatchObject({ incidents: [] });
    expect((await list("firing")).find((a) => a.fingerprint === "gg77")).toMatchObject({ runbook: { path: "shop/catalog" }, incidentId: null });
  });

  it("silences: who and why kept, matching alerts muted in the inbox and the rules", async () => {
    const post = (body: unknown, authz = responder) => silenceRoute({ request: makeRequest("/api/silences", { method: "POST", headers: { authorization: authz, "content-type": "application/json" }, body: JSON.stringify(body) }), params: {}, context: {} });
    expect((await post({ matchers: [{ name: "team", value: "payments", isRegex: false }], duration: "1h", comment: "deploying" }, viewer)).status).toBe(403);
    const noWhy = await post({ matchers: [{ name: "team", value: "payments" }], duration: "1h" });
    expect(noWhy.status).toBe(400);
    expect(((await noWhy.json()) as any).fieldErrors).toHaveProperty("comment");
    expect(((await (await post({ matchers: [{ name: "team", value: "(", isRegex: true }], duration: "1h", comment: "x bad" })).json()) as any).fieldErrors).toHaveProperty(["matchers.0.value"]);
    expect((await post({ matchers: [], duration: "1h", comment: "nothing" })).status).toBe(400);
    const created = await post({ matchers: [{ name: "team", value: "pay.*", isRegex: true }], duration: "1h", comment: "payments maintenance" });
    expect(created.status).toBe(201);
    const silence = (await created.json()) as any;
    expect(silence).toMatchObject({ createdBy: "responder", comment: "payments maintenance", state: "active" });
    const window = await post({ matchers: [{ name: "service", value: "batch" }], schedule: { cron: "0 2 * * *", duration: "2h", timezone: "Europe/Berlin" }, comment: "nightly batch" });
    expect(window.status).toBe(201);
    const listed = (await (await silencesRoute({ request: makeRequest("/api/silences", { headers: { authorization: viewer } }), params: {}, context: {} })).json()) as any[];
    expect(listed.map((s) => s.comment).sort()).toEqual(["nightly batch", "payments maintenance"]);

    const res = await am(amPayload([{ name: "PaymentsLag", labels: { team: "payments", severity: "critical" }, fingerprint: "hh88" }]));
    expect(await res.json()).toMatchObject({ fired: 1, silenced: 1, incidents: [] });
    expect((await list("firing")).find((a) => a.fingerprint === "hh88")).toMatchObject({ silencedBy: silence.id, silence: { createdBy: "responder", comment: "payments maintenance" } });
    // The open incident holding a firing payments alert says it was silenced, by whom and why.
    const [open] = await portal.store.db.selectFrom("incidents").select("id").where("status", "=", "investigating").execute();
    const timeline = await assembleTimeline(portal.store, (await getIncident(portal.store, open!.id))!);
    expect(timeline.find((e) => e.title === "Alert CheckoutDown silenced by responder")?.text).toBe("payments maintenance");
  });

  it("declares an incident from an alert in the inbox: the responder's own, detected when the alert started", async () => {
    const { action: inbox } = await import("~/routes/alerts._index");
    const startsAt = new Date(Date.now() - 3 * 60_000).toISOString();
    await am(amPayload([{ name: "SearchDown", labels: { severity: "critical" }, fingerprint: "jj10", startsAt }]));
    const alert = (await list("firing")).find((a) => a.fingerprint === "jj10");
    const form = (body: Record<string, string>) => inbox({ request: makeRequest("/alerts", { method: "POST", headers: { authorization: responder, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(body).toString() }), params: {}, context: {} });
    const res = await form({ intent: "declare", id: alert.id, title: "Search is down", severity: "P2" });
    expect(res.status).toBe(302);
    const incidentId = res.headers.get("location")!.split("/").pop()!;
    expect(await getIncident(portal.store, incidentId)).toMatchObject({ title: "Search is down", severity: "P2", commander: "responder", detectedAt: Date.parse(startsAt) });
    expect((await list("firing")).find((a) => a.fingerprint === "jj10")?.incidentId).toBe(incidentId);
    expect(((await (await form({ intent: "declare", id: alert.id, title: "Again", severity: "P2" })).json()) as any).error).toMatch(/already on incident/);
  });

  it("acknowledges and snoozes the overview's needs-attention rows through the same alerts and silences", async () => {
    const row = (body: unknown, authz = responder) => probeRowRoute({ request: makeRequest("/api/alerts/probes/shop.queue", { method: "POST", headers: { authorization: authz, "content-type": "application/json" }, body: JSON.stringify(body) }), params: { probeId: "shop.queue" }, context: {} });
    const problem = [{ id: "shop.queue", pluginId: "shop" }];
    expect((await probeRowStates(portal, problem))["shop.queue"]).toEqual({ acknowledgedBy: null, acknowledgedAt: null, snoozed: null });
    expect((await row({ intent: "ack" }, viewer)).status).toBe(403);
    expect((await row({ intent: "ack" })).status).toBe(200);
    expect((await row({ intent: "snooze", duration: "30m" })).status).toBe(400);
    expect((await row({ intent: "snooze", duration: "30m", comment: "queue drains after the deploy" })).status).toBe(200);
    const state = (await probeRowStates(portal, problem))["shop.queue"]!;
    expect(state).toMatchObject({ acknowledgedBy: "responder", snoozed: { createdBy: "responder", comment: "queue drains after the deploy" } });
    expect((await list("firing")).find((a) => a.source === "probe")).toMatchObject({ name: "shop.queue", acknowledgedBy: "responder", silencedBy: state.snoozed!.id });
    // Back to ok: the row's alert resolves.
    await probeRowStates(portal, []);
    expect((await list("resolved")).some((a) => a.source === "probe")).toBe(true);
  });

  it("mirrors a one-off silence to Alertmanager's API v2, each active window occurrence as it starts, and expires it there", async () => {
    const seen: { method: string; url: string; body: any }[] = [];
    const stub = http.createServer((req, res) => {
      let text = "";
      req.on("data", (c) => (text += c));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, body: text ? JSON.parse(text) : null });
        res.setHeader("content-type", "application/json");
        res.end(req.method === "POST" ? JSON.stringify({ silenceID: `00000000-0000-0000-0000-${String(seen.length).padStart(12, "0")}` }) : "");
      });
    });
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
    portal.config.alerts.alertmanager = { url: `http://127.0.0.1:${(stub.address() as { port: number }).port}` };
    try {
      const post = (body: unknown) => silenceRoute({ request: makeRequest("/api/silences", { method: "POST", headers: { authorization: responder, "content-type": "application/json" }, body: JSON.stringify(body) }), params: {}, context: {} });
      const one = (await (await post({ matchers: [{ name: "instance", value: "db1" }], duration: "2h", comment: "disk swap" })).json()) as any;
      expect(one.alertmanagerId).toBe("00000000-0000-0000-0000-000000000001");
      expect(seen[0]).toMatchObject({ method: "POST", url: "/api/v2/silences", body: { matchers: [{ name: "instance", value: "db1", isRegex: false, isEqual: true }], createdBy: "responder (opsdeck)", comment: "disk swap" } });
      // A window that is open right now (every minute, for two minutes) is mirrored once per occurrence.
      await post({ matchers: [{ name: "job", value: "batch" }], schedule: { cron: "* * * * *", duration: "2m", timezone: "UTC" }, comment: "batch window" });
      expect(await mirrorActiveWindows(portal)).toBe(1);
      expect(await mirrorActiveWindows(portal)).toBe(0);
      expect(seen.filter((s) => s.method === "POST").at(-1)!.body.comment).toContain("batch window");
      const { action: expireRoute } = await import("~/routes/api.silences.$id");
      const ended = await expireRoute({ request: makeRequest(`/api/silences/${one.id}`, { method: "DELETE", headers: { authorization: responder } }), params: { id: one.id }, context: {} });
      expect(ended.status).toBe(200);
      expect(seen.at(-1)).toMatchObject({ method: "DELETE", url: `/api/v2/silence/${one.alertmanagerId}` });
    } finally {
      delete portal.config.alerts.alertmanager;
      await new Promise((r) => stub.close(r));
    }
  });

  it("never shows a configured secret that a source echoes back", async () => {
    await am(amPayload([{ name: "Leaky", fingerprint: "ii99", annotations: { summary: `token is ${AM_TOKEN}` } }]));
    const text = JSON.stringify(await list("all"));
    expect(text).not.toContain(AM_TOKEN);
    expect(text).toContain("[redacted]");
  });
});
