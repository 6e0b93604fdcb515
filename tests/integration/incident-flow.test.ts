import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { action, definePlugin, probe, secret, type PluginDefinition } from "../../plugins/plugin-api";
import { submitAction } from "~/core/actions/pipeline.server";
import { createApiToken, getUser } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { probeEngine } from "~/core/probes/service.server";
import { ProbeSampler } from "~/core/probes/sampler.server";
import { action as declareRoute } from "~/routes/api.incidents._index";
import { loader as incidentJson } from "~/routes/api.incidents.$id._index";
import { action as eventsRoute } from "~/routes/api.incidents.$id.events";
import { loader as reportMd } from "~/routes/incidents.$id_.report[.]md";
import { DIALECTS, makeRequest, testPortal } from "../helpers/portal";
import { answerOf } from "../helpers/answer";

const ACTION_SECRET = "shp_tok_9f8e7d6c5b4a3210";

/** A plugin the test drives: a backlog probe whose value it sets, and a refund action with a secret input. */
function shopPlugin() {
  const state = { backlog: 0, refunds: [] as string[] };
  const plugin: PluginDefinition = definePlugin({
    id: "shop",
    title: "Shop",
    config: z.object({}).strict(),
    async demo() {
      return { config: {}, stop: async () => {} };
    },
    setup() {
      return {
        probes: [
          probe({
            id: "backlog",
            title: "Unshipped paid orders",
            unit: "orders",
            every: "1m",
            thresholds: { critical: "> 5" },
            async read() {
              return { value: state.backlog, summary: `${state.backlog} paid orders not shipped` };
            },
          }),
        ],
        actions: [
          action({
            id: "requeue",
            title: "Requeue an order",
            risk: "low",
            input: z.object({ orderId: z.string().regex(/^ord_/), apiToken: secret(z.string().min(8)) }),
            target: (i) => i.orderId,
            async run(input) {
              state.refunds.push(input.orderId);
              return { summary: `Order ${input.orderId} requeued for shipping` };
            },
          }),
        ],
      };
    },
  });
  return { plugin, state };
}

const RUNBOOK = `---
title: Orders stuck after payment
plugins: [shop]
---
## Detect
::status{probe="shop.backlog"}

## Recover
- [ ] Check the shipping queue
- [ ] Requeue stuck orders
::action{id="shop.requeue"}
`;

describe.each(DIALECTS)("a whole incident on %s", (dialect) => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  let shop: ReturnType<typeof shopPlugin>;
  let auth: string;
  let managerAuth: string;

  beforeAll(async () => {
    shop = shopPlugin();
    ({ portal, cleanup } = await testPortal({ dialect, plugins: [shop.plugin], runbooks: { "orders/stuck.md": RUNBOOK } }));
    const users = await portal.store.db.selectFrom("users").select(["id", "username"]).execute();
    const id = (name: string) => users.find((u) => u.username === name)!.id;
    auth = `Bearer ${(await createApiToken(portal.store, id("admin"), "test")).token}`;
    managerAuth = `Bearer ${(await createApiToken(portal.store, id("manager"), "test")).token}`;
  });
  afterAll(async () => cleanup?.());

  const post = (url: string, body: unknown, authz = auth) =>
    makeRequest(url, { method: "POST", headers: { authorization: authz, "content-type": "application/json" }, body: JSON.stringify(body) });
  const get = (url: string, authz = auth) => makeRequest(url, { headers: { authorization: authz } });
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it("assembles declaration, action run, probe transitions, checklist, note and resolution in order", async () => {
    const engine = probeEngine(portal);
    const sampler = new ProbeSampler(engine, portal.store, portal.log, 14 * 86_400_000);
    const sample = async () => {
      await engine.refresh("shop.backlog");
      return sampler.sample("shop.backlog");
    };
    await sample(); // ok before the incident

    // Declared from the runbook page: linked to it and to its plugins.
    const declared = await declareRoute({ request: post("/api/incidents", { title: "Paid orders not shipping", severity: "Sev2", runbook: "orders/stuck" }), params: {}, context: {} });
    expect(declared.status).toBe(201);
    const { id } = (await declared.json()) as { id: string };
    await tick();

    // An action run on the incident, through the real guard pipeline.
    const admin = (await getUser(get("/")))!;
    const submitted = await answerOf(submitAction(portal, admin, "shop.requeue", { input: { orderId: "ord_42", apiToken: ACTION_SECRET }, idempotencyKey: "incident-flow-1", incidentId: id }));
    expect(submitted.status).toBe(202);
    const runId = submitted.body.runId as string;
    for (let i = 0; i < 200; i++) {
      const run = await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", runId).executeTakeFirstOrThrow();
      if (run.status === "succeeded") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(shop.state.refunds).toEqual(["ord_42"]);
    await tick();

    // The probe goes critical and back.
    shop.state.backlog = 9;
    expect((await sample()).transition).toEqual({ from: "ok", to: "critical" });
    await tick();
    const tickRes = await eventsRoute({ request: post(`/api/incidents/${id}/events`, { type: "checklist", text: "Requeue stuck orders", task: 1, runbook: "orders/stuck" }), params: { id }, context: {} });
    expect(tickRes.status).toBe(201);
    await tick();
    shop.state.backlog = 0;
    expect((await sample()).transition).toEqual({ from: "critical", to: "ok" });
    await tick();

    const note = await eventsRoute({ request: post(`/api/incidents/${id}/events`, { type: "note", text: `Queue worker restarted; token ${ACTION_SECRET.slice(0, 4)}… rotated` }), params: { id }, context: {} });
    expect(note.status).toBe(201);
    await tick();
    const resolved = await eventsRoute({ request: post(`/api/incidents/${id}/events`, { type: "status", status: "resolved", text: "Backlog drained" }), params: { id }, context: {} });
    expect(resolved.status).toBe(201);

    const res = await incidentJson({ request: get(`/api/incidents/${id}`), params: { id }, context: {} });
    const body = await res.json();
    expect(body).toMatchObject({ status: "resolved", severity: "P2", runbooks: ["orders/stuck"], plugins: ["shop"] });
    const timeline = body.timeline as { kind: string; title: string; status?: string; href?: string }[];
    const story = timeline
      .filter((e) => e.kind !== "action" || e.status === "started" || e.status === "succeeded")
      .map((e) => (e.kind === "action" ? `action:${e.status}` : e.kind === "probe" ? `probe:${e.status}` : e.kind === "status" ? `status:${e.status}` : e.kind));
    expect(story).toEqual(["declared", "action:started", "action:succeeded", "probe:critical", "checklist", "probe:ok", "note", "status:resolved"]);
    const run = timeline.find((e) => e.kind === "action" && e.status === "succeeded")!;
    expect(run.href).toBe(`/runs/${runId}`);
    expect(run.title).toContain("shop.requeue");
    expect(JSON.stringify(body)).not.toContain(ACTION_SECRET);

    // The report export: every section, and no secret from the action's input.
    const md = await reportMd({ request: get(`/incidents/${id}/report.md`, managerAuth), params: { id }, context: {} });
    expect(md.headers.get("content-type")).toMatch(/text\/markdown/);
    const text = await md.text();
    for (const heading of ["# Incident Report: Paid orders not shipping", "## Summary", "## Impact", "**Users Affected**", "**Revenue Impact**", "**Services Affected**", "## Timeline", "## Root Cause", "## Resolution", "## Prevention", "## Lessons Learned"]) {
      expect(text).toContain(heading);
    }
    expect(text).toContain("shop.requeue");
    expect(text).toContain("Unshipped paid orders (shop.backlog): ok → critical");
    expect(text).toContain("Requeue stuck orders");
    expect(text).not.toContain(ACTION_SECRET);
    const audit = await portal.store.db.selectFrom("audit_entries").select("details").where("incident_id", "=", id).execute();
    expect(audit.length).toBeGreaterThan(0);
  });

  it("answers 400 with field errors and 403 for viewers", async () => {
    const bad = await declareRoute({ request: post("/api/incidents", { title: "", severity: "P7" }), params: {}, context: {} });
    expect(bad.status).toBe(400);
    expect(Object.keys(((await bad.json()) as { fieldErrors: object }).fieldErrors).sort()).toEqual(["severity", "title"]);
    const unknownRunbook = await declareRoute({ request: post("/api/incidents", { title: "Something", severity: "P3", runbook: "nope/missing" }), params: {}, context: {} });
    expect(unknownRunbook.status).toBe(400);
    const users = await portal.store.db.selectFrom("users").select(["id"]).where("username", "=", "viewer").executeTakeFirstOrThrow();
    const viewer = `Bearer ${(await createApiToken(portal.store, users.id, "v")).token}`;
    const denied = await declareRoute({ request: post("/api/incidents", { title: "Something", severity: "P3" }, viewer), params: {}, context: {} });
    expect(denied.status).toBe(403);
  });
});
