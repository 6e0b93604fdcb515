// "Ask an admin" over JSON (issue 13): a responder who may not run a high-risk action asks for it
// with a reason (202 requested); an admin runs it with typed confirmation (the run is the admin's,
// requested by the responder) or declines it; secret input is stored sealed, never in the clear.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { action, definePlugin, secret, type PluginDefinition } from "../../plugins/plugin-api";
import { createApiToken } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { action as actionRoute } from "~/routes/api.actions.$actionId";
import { action as approvalRoute } from "~/routes/api.runs.$runId.approval";
import { makeRequest, testPortal } from "../helpers/portal";

const TOKEN = "shp_tok_ask_admin_0123456789";

function shop() {
  const state = { rotated: [] as string[] };
  const plugin: PluginDefinition = definePlugin({
    id: "shop",
    title: "Shop",
    config: z.object({}).strict(),
    async demo() {
      return { config: {}, stop: async () => {} };
    },
    setup: () => ({
      actions: [
        action({
          id: "rotate",
          title: "Rotate a key",
          risk: "high",
          input: z.object({ keyName: z.string().min(3), apiToken: secret(z.string().min(8)) }),
          target: (i) => `key:${i.keyName}`,
          async run(input) {
            state.rotated.push(input.keyName);
            return { summary: `rotated ${input.keyName}` };
          },
        }),
      ],
    }),
  });
  return { plugin, state };
}

describe("ask an admin over JSON", () => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  let s: ReturnType<typeof shop>;
  const auth: Record<string, string> = {};

  beforeAll(async () => {
    s = shop();
    ({ portal, cleanup } = await testPortal({ plugins: [s.plugin] }));
    for (const u of await portal.store.db.selectFrom("users").select(["id", "username"]).execute()) {
      auth[u.username] = `Bearer ${(await createApiToken(portal.store, u.id, "test")).token}`;
    }
  });
  afterAll(async () => cleanup?.());

  const post = (route: typeof actionRoute, url: string, params: Record<string, string>, who: string, body: unknown) =>
    route({ request: makeRequest(url, { method: "POST", headers: { authorization: auth[who], "content-type": "application/json" }, body: JSON.stringify(body) }), params, context: {} } as never) as Promise<Response>;

  it("a responder's request is stored (202 requested), the admin runs it as their own run", async () => {
    const asked = await post(actionRoute, "/api/actions/shop.rotate", { actionId: "shop.rotate" }, "responder", {
      input: { keyName: "signing", apiToken: TOKEN },
      request: { reason: "signing key leaked in a log line" },
    });
    expect(asked.status).toBe(202);
    const { runId, status } = (await asked.json()) as { runId: string; status: string };
    expect(status).toBe("requested");
    // the secret never lands in the clear
    const stored = await portal.store.db.selectFrom("action_requests").selectAll().where("run_id", "=", runId).executeTakeFirstOrThrow();
    expect(stored.input_plain).toBeNull();
    expect(JSON.stringify(await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", runId).executeTakeFirstOrThrow())).not.toContain(TOKEN);

    // a responder cannot decide; the admin must type the target
    expect((await post(approvalRoute as never, `/api/runs/${runId}/approval`, { runId }, "responder", { decision: "approve" })).status).toBe(403);
    const noConfirm = await post(approvalRoute as never, `/api/runs/${runId}/approval`, { runId }, "admin", { decision: "approve" });
    expect(noConfirm.status).toBe(400);
    const ran = await post(approvalRoute as never, `/api/runs/${runId}/approval`, { runId }, "admin", { decision: "approve", confirm: "key:signing" });
    expect(ran.status).toBe(202);
    const body = (await ran.json()) as { runId: string; requestId: string; requestedBy: string };
    expect(body.requestId).toBe(runId);
    expect(body.requestedBy).toBe("responder");
    for (let i = 0; i < 200 && !s.state.rotated.length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.state.rotated).toEqual(["signing"]);

    const adminRun = await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", body.runId).executeTakeFirstOrThrow();
    expect(adminRun.actor).toBe("admin");
    const request = await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", runId).executeTakeFirstOrThrow();
    expect(request.status).toBe("accepted");
    const audit = await portal.store.db.selectFrom("audit_entries").selectAll().where("run_id", "in", [runId, body.runId]).orderBy("seq").execute();
    expect(audit.map((e) => [e.actor, e.outcome])).toEqual(expect.arrayContaining([["responder", "requested"], ["admin", "approved"], ["admin", "started"]]));
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it("an admin declines; a viewer cannot ask; someone who may run it is told so", async () => {
    const asked = await post(actionRoute, "/api/actions/shop.rotate", { actionId: "shop.rotate" }, "responder", { input: { keyName: "webhook", apiToken: TOKEN }, request: { reason: "rotate the webhook key" } });
    const { runId } = (await asked.json()) as { runId: string };
    const declined = await post(approvalRoute as never, `/api/runs/${runId}/approval`, { runId }, "admin", { decision: "deny", note: "not needed" });
    expect(declined.status).toBe(200);
    expect(((await declined.json()) as { status: string }).status).toBe("rejected");
    expect((await post(actionRoute, "/api/actions/shop.rotate", { actionId: "shop.rotate" }, "viewer", { input: { keyName: "x-key", apiToken: TOKEN }, request: { reason: "please rotate it" } })).status).toBe(403);
    expect((await post(actionRoute, "/api/actions/shop.rotate", { actionId: "shop.rotate" }, "admin", { input: { keyName: "x-key", apiToken: TOKEN }, request: { reason: "please rotate it" } })).status).toBe(400);
    expect((await post(actionRoute, "/api/actions/shop.rotate", { actionId: "shop.rotate" }, "responder", { input: { keyName: "x-key", apiToken: TOKEN }, request: { reason: "short" } })).status).toBe(400);
  });
});
