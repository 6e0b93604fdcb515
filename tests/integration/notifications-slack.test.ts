// Answering from Slack (issue 29): requests and approvals posted to the Slack sandbox through the
// real @slack/web-api carry Approve / Decline; the sandbox presses them with signed callbacks that
// reach the interactivity route over HTTP; the decision goes through decideRun with every check,
// audited via slack. Forged, stale, replayed, the requester's own and a viewer's presses are refused
// and audited. No secret reaches Slack.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { action, definePlugin, secret, type PluginDefinition } from "../../plugins/plugin-api";
import { signSlack, startSlackSandbox, type SlackSandbox } from "../../demo/slack-sandbox";
import { submitRequest } from "~/core/actions/ask-admin.server";
import { submitAction } from "~/core/actions/submit.server";
import type { User } from "~/core/auth.server";
import { notificationsBootStep } from "~/core/notifications/service.server";
import type { Portal } from "~/core/portal.server";
import { action as interactivityRoute } from "~/routes/api.slack.interactivity";
import { makeRequest, testPortal } from "../helpers/portal";
import { answerOf } from "../helpers/answer";

const TOKEN = "xoxb-slack-test-token-0123456789";
const SIGNING = "slack-signing-secret-abcdef0123456789";
const CARD = "sk_live_card_secret_0123456789";
const PEOPLE = ["viewer", "responder", "admin", "admin2"];

function shop() {
  const refunded: string[] = [];
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
          id: "refund",
          title: "Refund an order",
          risk: "critical",
          input: z.object({ order: z.string().min(3), apiKey: secret(z.string().min(8)) }),
          target: (i) => `order:${i.order}`,
          async run(input) {
            refunded.push(input.order);
            return { summary: `refunded ${input.order}` };
          },
        }),
      ],
    }),
  });
  return { plugin, refunded };
}

async function until<T>(fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("approvals answered from Slack", () => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  let slack: SlackSandbox;
  let server: http.Server;
  let s: ReturnType<typeof shop>;
  const users: Record<string, User> = {};

  beforeAll(async () => {
    s = shop();
    // The portal's interactivity route, over real HTTP, as Slack would reach it.
    server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const request = makeRequest("/api/slack/interactivity", { method: "POST", headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString() });
      const answer = (await interactivityRoute({ request, params: {}, context: {} } as never)) as Response;
      res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    slack = await startSlackSandbox({
      token: TOKEN,
      signingSecret: SIGNING,
      users: PEOPLE.map((n) => ({ id: `U0${n.toUpperCase()}`, name: n, email: `${n}@shop.example` })),
      interactivityUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/slack/interactivity`,
    });
    ({ portal, cleanup } = await testPortal({
      plugins: [s.plugin],
      steps: [notificationsBootStep],
      config: {
        notifications: {
          channels: { incidents: { kind: "slack", token: TOKEN, channel: "#incidents", signingSecret: SIGNING, apiUrl: slack.apiUrl } },
          routes: [{ channels: ["incidents"] }],
        },
        oncall: { people: Object.fromEntries(PEOPLE.map((n) => [n, { email: `${n}@shop.example` }])) },
      },
    }));
    for (const u of await portal.store.db.selectFrom("users").selectAll().execute()) {
      users[u.username] = { id: u.id, username: u.username, displayName: null, roles: JSON.parse(u.roles.startsWith("[") ? u.roles : JSON.stringify(u.roles.split(","))), via: "session" };
    }
  });
  afterAll(async () => {
    await cleanup?.();
    await slack?.close();
    await new Promise((r) => server?.close(r));
  });

  const messageFor = (runId: string) => until(() => slack.messages.find((m) => JSON.stringify(m.attachments).includes(`"value":"${runId}"`)));
  const auditOf = async (runId: string) => portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "slack.interactivity").where("target", "=", runId).orderBy("seq").execute();

  it("a responder's request: admin2 approves in Slack, types the target in the modal, and the run is filed through the pipeline", async () => {
    const asked = await answerOf(submitRequest(portal, users.responder!, "shop.refund", { input: { order: "ord_1001", apiKey: CARD }, request: { reason: "customer charged twice for order 1001" } }));
    expect(asked.status).toBe(202);
    const requestId = String(asked.body.runId);
    const msg = await messageFor(requestId);
    expect(JSON.stringify(msg.attachments)).toContain("asks an admin to run shop.refund");

    const pressed = await slack.press(msg.ts, "approve", "U0ADMIN2");
    expect(pressed.status).toBe(200);
    // A critical action wants the typed target: a modal first, nothing decided yet.
    expect(slack.calls.map((c) => c.method)).toContain("views.open");
    expect((await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", requestId).executeTakeFirstOrThrow()).status).toBe("requested");

    const wrong = await slack.submitView("U0ADMIN2", "order:nope");
    expect(JSON.parse(wrong.body)).toMatchObject({ response_action: "errors" });
    const typed = await slack.submitView("U0ADMIN2", "order:ord_1001");
    expect(typed.status).toBe(200);
    const request = await portal.store.db.selectFrom("run_requests").selectAll().where("run_id", "=", requestId).executeTakeFirstOrThrow();
    expect(request.decided_by).toBe("admin2");
    // admin2's own run of a critical action waits for a second admin, like any other.
    const own = await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", request.started_run_id!).executeTakeFirstOrThrow();
    expect(own).toMatchObject({ actor: "admin2", status: "awaiting_approval" });
    const entries = await auditOf(requestId);
    expect(entries.map((e) => [e.actor, e.outcome])).toEqual([
      ["admin2", "requested"],
      ["admin2", "denied"],
      ["admin2", "approved"],
    ]);
    expect(JSON.parse(entries[2]!.details)).toMatchObject({ via: "slack", slackUser: "U0ADMIN2" });
    await until(() => JSON.stringify(slack.messages.find((m) => m.ts === msg.ts)?.attachments).includes("Approved by admin2 in Slack"));

    // The second admin approves admin2's critical run from its own message: the typed target in a
    // modal first (nothing decided before it), then it runs.
    const second = await messageFor(own.id);
    const opened = slack.calls.filter((c) => c.method === "views.open").length;
    expect((await slack.press(second.ts, "approve", "U0ADMIN")).status).toBe(200);
    expect(slack.calls.filter((c) => c.method === "views.open").length).toBe(opened + 1);
    expect((await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", own.id).executeTakeFirstOrThrow()).status).toBe("awaiting_approval");
    expect(JSON.parse((await slack.submitView("U0ADMIN", "order:ord_1002")).body)).toMatchObject({ response_action: "errors" });
    expect((await slack.submitView("U0ADMIN", "order:ord_1001")).status).toBe(200);
    await until(async () => (await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", own.id).executeTakeFirstOrThrow()).status === "succeeded");
    expect(s.refunded).toEqual(["ord_1001"]);
    const approval = await portal.store.db.selectFrom("audit_entries").selectAll().where("run_id", "=", own.id).where("outcome", "=", "approved").executeTakeFirstOrThrow();
    expect(approval.actor).toBe("admin");
    expect(JSON.parse(approval.details).via).toBe("slack");
  });

  it("refuses and audits the requester's own press and a viewer's", async () => {
    const filed = await answerOf(submitAction(portal, users.admin!, "shop.refund", { input: { order: "ord_2002", apiKey: CARD }, confirm: "order:ord_2002" }));
    expect(filed.status).toBe(202);
    const runId = String(filed.body.runId);
    const msg = await messageFor(runId);
    await slack.press(msg.ts, "approve", "U0ADMIN");
    await slack.press(msg.ts, "approve", "U0VIEWER");
    expect((await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", runId).executeTakeFirstOrThrow()).status).toBe("awaiting_approval");
    const entries = await auditOf(runId);
    expect(entries.map((e) => [e.actor, e.outcome])).toEqual([
      ["admin", "denied"],
      ["viewer", "denied"],
    ]);
    const pipeline = await portal.store.db.selectFrom("audit_entries").select(["actor", "outcome", "details"]).where("run_id", "=", runId).where("outcome", "=", "denied").where("action", "!=", "slack.interactivity").orderBy("seq").execute();
    expect(pipeline.map((e) => JSON.parse(e.details).reason)).toEqual(["the requester cannot approve their own request", "approving needs the admin role"]);
  });

  it("refuses and audits a wrong signature, a stale timestamp and a replay", async () => {
    const filed = await answerOf(submitAction(portal, users.admin!, "shop.refund", { input: { order: "ord_3003", apiKey: CARD }, confirm: "order:ord_3003" }));
    const runId = String(filed.body.runId);
    const msg = await messageFor(runId);
    // Declined, which needs no typed confirmation (an approval would open a modal first).
    const payload = { type: "block_actions", user: { id: "U0ADMIN2" }, trigger_id: "t1", container: { channel_id: msg.channel, message_ts: msg.ts }, actions: [{ action_id: "decline", value: runId }] };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const post = (headers: Record<string, string>) =>
      interactivityRoute({ request: makeRequest("/api/slack/interactivity", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body }), params: {}, context: {} } as never) as Promise<Response>;
    const now = Math.floor(Date.now() / 1000);

    const forged = await post({ "x-slack-request-timestamp": String(now), "x-slack-signature": signSlack("not-the-signing-secret", now, body) });
    expect(forged.status).toBe(401);
    const old = now - 301;
    const stale = await post({ "x-slack-request-timestamp": String(old), "x-slack-signature": signSlack(SIGNING, old, body) });
    expect(stale.status).toBe(401);
    const headers = { "x-slack-request-timestamp": String(now), "x-slack-signature": signSlack(SIGNING, now, body) };
    expect((await post(headers)).status).toBe(200);
    const replay = await post(headers);
    expect(replay.status).toBe(409);
    await until(async () => (await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", runId).executeTakeFirstOrThrow()).status === "rejected");

    const refusals = await portal.store.db.selectFrom("audit_entries").select(["details", "actor"]).where("action", "=", "slack.interactivity").where("target", "=", "slack").orderBy("seq").execute();
    const reasons = refusals.map((r) => JSON.parse(r.details).reason as string);
    expect(reasons).toEqual(expect.arrayContaining(["X-Slack-Signature does not match the signing secret", "X-Slack-Request-Timestamp is more than 5 minutes away from now", "this callback was already received (replay)"]));
  });

  it("puts no secret in any Slack message", async () => {
    const all = JSON.stringify(slack.messages);
    for (const secretValue of [CARD, TOKEN, SIGNING]) expect(all).not.toContain(secretValue);
  });
});
