// Issue 34 items 1–2 on the server: where a run joins an incident (runbook, plugin, target; every
// other open incident only offered), a critical request must say why and the approver reads it,
// only the requester withdraws, a responder may preview what they ask for (a viewer may not), and
// the approver's view names what changed since the request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { action, definePlugin, type PluginDefinition } from "../../plugins/plugin-api";
import { createApiToken } from "~/core/auth.server";
import { approvalView } from "~/core/actions/approval-view.server";
import { declareIncident } from "~/core/incidents/incidents.server";
import { joinableIncidents, recordableIncidents } from "~/core/incidents/joining.server";
import type { Portal } from "~/core/portal.server";
import { action as pressRoute } from "~/routes/api.actions.$actionId";
import { action as previewRoute } from "~/routes/api.actions.$actionId.preview";
import { action as cancelRoute } from "~/routes/api.runs.$runId.cancel";
import { makeRequest, testPortal } from "../helpers/portal";

function vault() {
  const queues: Record<string, number> = { "dead-letter": 12, retry: 3, outbox: 5 };
  const plugin: PluginDefinition = definePlugin({
    id: "vault",
    title: "Vault",
    config: z.object({}).strict(),
    async demo() {
      return { config: {}, stop: async () => {} };
    },
    setup: () => ({
      actions: [
        action({
          id: "purge",
          title: "Purge a queue",
          risk: "critical",
          input: z.object({ queue: z.string().min(3) }),
          target: (i) => i.queue,
          async preview(i) {
            return { summary: `deletes ${queues[i.queue] ?? 0} messages from ${i.queue}`, count: queues[i.queue] ?? 0, before: { messages: queues[i.queue] ?? 0 }, after: { messages: 0 } };
          },
          async run(i) {
            queues[i.queue] = 0;
            return { summary: `purged ${i.queue}` };
          },
        }),
        action({
          id: "rotate",
          title: "Rotate a key",
          risk: "high",
          input: z.object({ keyName: z.string().min(3) }),
          target: (i) => `key:${i.keyName}`,
          async preview(i) {
            return { summary: `rotates ${i.keyName}` };
          },
          async run(i) {
            return { summary: `rotated ${i.keyName}` };
          },
        }),
        action({
          id: "flush",
          title: "Flush a cache",
          risk: "low",
          input: z.object({ cache: z.string().min(2) }),
          target: (i) => `cache:${i.cache}`,
          async run(i) {
            return { summary: `flushed ${i.cache}` };
          },
        }),
      ],
    }),
  });
  return { plugin, queues };
}

describe("operator fixes (#34): joining, reasons, withdrawal, previews", () => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  const auth: Record<string, string> = {};
  const v = vault();

  beforeAll(async () => {
    ({ portal, cleanup } = await testPortal({ plugins: [v.plugin] }));
    const admin = await portal.store.db.selectFrom("users").selectAll().where("username", "=", "admin").executeTakeFirstOrThrow();
    if (!(await portal.store.db.selectFrom("users").select("id").where("username", "=", "admin2").executeTakeFirst())) {
      await portal.store.db.insertInto("users").values({ ...admin, id: "u_admin2_fixes", username: "admin2" }).execute();
    }
    for (const u of await portal.store.db.selectFrom("users").select(["id", "username"]).execute()) {
      auth[u.username] = `Bearer ${(await createApiToken(portal.store, u.id, "test")).token}`;
    }
  });
  afterAll(async () => cleanup?.());

  const call = async (route: unknown, url: string, params: Record<string, string>, who: string, body: unknown) => {
    const res = await (route as (a: unknown) => Promise<Response>)({
      request: makeRequest(url, { method: "POST", headers: { authorization: auth[who]!, "content-type": "application/json" }, body: JSON.stringify(body) }),
      params,
      context: {},
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const press = (who: string, actionId: string, body: Record<string, unknown>) => call(pressRoute, `/api/actions/${actionId}`, { actionId }, who, body);
  const runOf = (runId: string) => portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", runId).executeTakeFirstOrThrow();
  const declare = (title: string, input: Record<string, unknown>) => declareIncident(portal.store, { username: "responder", roles: ["responder"] }, { title, severity: "P2", ...input });

  it("a run joins the open incident that links its runbook, its plugin, or already works on its target; other open incidents are only offered", async () => {
    const byRunbook = await declare("Webhooks refused", { runbook: "stripe-webhook-failures" });
    const unrelated = await declare("Search is slow", { runbook: "search" });
    // Pressed on the incident's runbook: joins it, although the action's plugin is not linked.
    const onPage = await press("responder", "vault.flush", { input: { cache: "sessions" }, runbook: "stripe-webhook-failures.md", idempotencyKey: "fixes-join-runbook" });
    expect(onPage.status).toBe(202);
    expect((await runOf(onPage.body.runId)).incident_id).toBe(byRunbook.id);
    // Pressed elsewhere on the same target: joins by target (the incident already works on cache:sessions).
    const elsewhere = await press("responder", "vault.flush", { input: { cache: "sessions" }, runbook: "caches.md", idempotencyKey: "fixes-join-target" });
    expect((await runOf(elsewhere.body.runId)).incident_id).toBe(byRunbook.id);
    // Another target, another runbook, plugin not linked: joins nothing, but every open incident is offered.
    const other = await press("responder", "vault.flush", { input: { cache: "images" }, runbook: "caches.md", idempotencyKey: "fixes-join-none" });
    expect((await runOf(other.body.runId)).incident_id).toBeNull();
    expect(await joinableIncidents(portal.store, { actionId: "vault.flush", runbook: "caches.md", target: "cache:images" })).toEqual([]);
    const offered = await recordableIncidents(portal.store, { actionId: "vault.flush", runbook: "caches.md", target: "cache:images" });
    expect(offered.map((i) => [i.id, i.via]).sort()).toEqual([[byRunbook.id, "open"], [unrelated.id, "open"]].sort());
    // An explicit choice wins: an unrelated open incident chosen in the dialog.
    const chosen = await press("responder", "vault.flush", { input: { cache: "images" }, incidentId: unrelated.id, idempotencyKey: "fixes-join-chosen" });
    expect((await runOf(chosen.body.runId)).incident_id).toBe(unrelated.id);
    // A linked plugin: joined by plugin, ranked after the runbook's incident.
    const byPlugin = await declare("Vault sealed", { plugins: ["vault"] });
    const ranked = await recordableIncidents(portal.store, { actionId: "vault.flush", runbook: "stripe-webhook-failures.md", target: "cache:x" });
    expect(ranked.slice(0, 2).map((i) => [i.id, i.via])).toEqual([
      [byRunbook.id, "runbook"],
      [byPlugin.id, "plugin"],
    ]);
    expect(ranked.find((i) => i.id === unrelated.id)?.via).toBe("open");
  });

  it("a critical request without a reason is a 400 naming the field (audited invalid); with one, the reason reaches the approver's view", async () => {
    const missing = await press("admin", "vault.purge", { input: { queue: "dead-letter" }, confirm: "dead-letter", idempotencyKey: "fixes-reason-missing" });
    expect(missing.status).toBe(400);
    expect(missing.body.fieldErrors.reason[0]).toMatch(/say why/);
    const short = await press("admin", "vault.purge", { input: { queue: "dead-letter" }, confirm: "dead-letter", reason: "because", idempotencyKey: "fixes-reason-short" });
    expect(short.status).toBe(400);
    const entry = await portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "vault.purge").orderBy("seq", "desc").executeTakeFirstOrThrow();
    expect(entry.outcome).toBe("invalid");
    // Break-glass carries its own reason; a high-risk run needs none from this rule.
    const high = await press("admin", "vault.rotate", { input: { keyName: "api" }, confirm: "key:api", idempotencyKey: "fixes-reason-high" });
    expect(high.status).toBe(202);

    const filed = await press("admin", "vault.purge", { input: { queue: "dead-letter" }, confirm: "dead-letter", reason: "poison messages block the retry worker", evidence: { "vault.depth": { status: "critical", summary: "12 waiting" } }, idempotencyKey: "fixes-reason-ok" });
    expect([filed.status, filed.body.status]).toEqual([202, "awaiting_approval"]);
    const view = await approvalView(portal, filed.body.runId);
    expect(view).toMatchObject({
      requester: "admin",
      reason: "poison messages block the retry worker",
      preview: { summary: "deletes 12 messages from dead-letter", count: 12, before: { messages: 12 }, after: { messages: 0 } },
      evidence: { "vault.depth": { status: "critical", summary: "12 waiting" } },
      changes: [],
    });
    // The queue grows: the approver sees what changed since the request.
    v.queues["dead-letter"] = 40;
    const later = await approvalView(portal, filed.body.runId);
    expect(later?.changes).toEqual(
      expect.arrayContaining([
        { field: "count", was: 12, now: 40 },
        { field: "before.messages", was: 12, now: 40 },
      ]),
    );
    v.queues["dead-letter"] = 12;
  });

  it("only the requester withdraws a critical request: another admin is refused 403 (and told to decline)", async () => {
    const filed = await press("admin", "vault.purge", { input: { queue: "retry" }, confirm: "retry", reason: "stuck retries since the deploy", idempotencyKey: "fixes-withdraw" });
    const runId = filed.body.runId as string;
    const other = await call(cancelRoute, `/api/runs/${runId}/cancel`, { runId }, "admin2", {});
    expect(other.status).toBe(403);
    expect(other.body.error).toContain("decline it instead");
    expect((await runOf(runId)).status).toBe("awaiting_approval");
    const own = await call(cancelRoute, `/api/runs/${runId}/cancel`, { runId }, "admin", {});
    expect(own.status).toBe(200);
    expect((await runOf(runId)).status).toBe("cancelled");
  });

  it("a responder previews an admin-only action (to ask for it with the preview); a viewer is refused", async () => {
    const responder = await call(previewRoute, "/api/actions/vault.purge/preview", { actionId: "vault.purge" }, "responder", { input: { queue: "outbox" } });
    expect(responder.status).toBe(200);
    expect(responder.body.preview.summary).toBe("deletes 5 messages from outbox");
    const viewer = await call(previewRoute, "/api/actions/vault.purge/preview", { actionId: "vault.purge" }, "viewer", { input: { queue: "outbox" } });
    expect(viewer.status).toBe(403);
    // The request stores the preview the responder saw, for the admin.
    const asked = await press("responder", "vault.rotate", { input: { keyName: "webhook" }, request: { reason: "the webhook key leaked into a log" } });
    expect(asked.body.status).toBe("requested");
    expect(await approvalView(portal, asked.body.runId)).toMatchObject({ reason: "the webhook key leaked into a log", preview: { summary: "rotates webhook" }, changes: [] });
  });
});
