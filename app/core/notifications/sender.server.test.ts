import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startMailbox } from "../../../demo/mailbox";
import { startSlackSandbox, type SlackSandbox } from "../../../demo/slack-sandbox";
import { createLogger } from "../log.server";
import { migrate, openStore, type Store } from "../db/store.server";
import { NotificationsConfigSchema, OncallConfigSchema } from "./config";
import { listDeliveries, recordNotification } from "./outbox.server";
import { startSender, type SenderConfig } from "./sender.server";

const log = createLogger([], "silent");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function store(): Promise<Store> {
  const s = await openStore(":memory:");
  await migrate(s);
  cleanups.push(() => s.close());
  return s;
}

function senderConfig(notifications: unknown, oncall: unknown = {}, secretValues: string[] = []): SenderConfig {
  const n = NotificationsConfigSchema.parse(notifications);
  return { notifications: n, oncall: OncallConfigSchema.parse(oncall), secretValues, app: { baseUrl: "http://portal.test" } as SenderConfig["app"], server: { port: 3000 } as SenderConfig["server"] };
}

async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function httpReceiver(answer: (n: number) => number) {
  const got: { headers: http.IncomingHttpHeaders; body: string; at: number }[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers, body, at: Date.now() });
      const status = answer(++n);
      res.writeHead(status, { "content-type": "text/plain" }).end(status >= 400 ? "the receiver is having a bad day" : "ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

const HOOK_SECRET = "hook-secret-0123456789";

describe("notification sender", () => {
  it("retries a webhook that answers 500 and then 200, signed with HMAC-SHA256", async () => {
    const s = await store();
    const hook = await httpReceiver((n) => (n === 1 ? 500 : 200));
    const config = senderConfig({ channels: { hook: { kind: "webhook", url: hook.url, secret: HOOK_SECRET } }, routes: [{ channels: ["hook"] }] });
    const sender = startSender({ store: s, config, log, pollMs: 50, backoffBaseMs: 200 });
    cleanups.push(() => sender.stop());
    await s.db.transaction().execute((trx) => recordNotification(trx, { kind: "incident.declared", subject: "inc_1", severity: "P1", payload: { title: "Checkout is down", link: "/incidents/inc_1" } }));
    const sent = await until(async () => (await listDeliveries(s)).find((d) => d.status === "sent"));
    expect(hook.got).toHaveLength(2);
    expect(sent.attempts).toBe(2);
    const first = await listDeliveries(s);
    expect(first[0]!.lastError).toBeNull();
    const { body, headers } = hook.got[1]!;
    expect(headers["x-opsdeck-signature"]).toBe(`sha256=${crypto.createHmac("sha256", HOOK_SECRET).update(body).digest("hex")}`);
    expect(JSON.parse(body)).toMatchObject({ kind: "incident.declared", title: "Checkout is down", url: "http://portal.test/incidents/inc_1", severity: "P1" });
  });

  it("keeps the provider's words and fails a webhook that answers 400 at once", async () => {
    const s = await store();
    const hook = await httpReceiver(() => 400);
    const config = senderConfig({ channels: { hook: { kind: "webhook", url: hook.url, secret: HOOK_SECRET } }, routes: [{ channels: ["hook"] }] });
    const sender = startSender({ store: s, config, log, pollMs: 50, backoffBaseMs: 100 });
    cleanups.push(() => sender.stop());
    await recordNotification(s.db, { kind: "cron.down", subject: "cron.nightly", payload: { title: "nightly is down" } });
    const failed = await until(async () => (await listDeliveries(s)).find((d) => d.status === "failed"));
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toBe("the webhook answered 400: the receiver is having a bad day");
  });

  it("sends nothing for an event whose transaction rolled back", async () => {
    const s = await store();
    const hook = await httpReceiver(() => 200);
    const config = senderConfig({ channels: { hook: { kind: "webhook", url: hook.url, secret: HOOK_SECRET } }, routes: [{ channels: ["hook"] }] });
    const sender = startSender({ store: s, config, log, pollMs: 50 });
    cleanups.push(() => sender.stop());
    await expect(
      s.db.transaction().execute(async (trx) => {
        await recordNotification(trx, { kind: "incident.declared", subject: "inc_x", payload: { title: "never happened" } });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    await recordNotification(s.db, { kind: "incident.declared", subject: "inc_y", payload: { title: "happened" } });
    await until(async () => (await listDeliveries(s)).find((d) => d.status === "sent"));
    expect(hook.got.map((g) => JSON.parse(g.body).title)).toEqual(["happened"]);
  });

  describe("Slack through @slack/web-api", () => {
    let slack: SlackSandbox;
    const token = "xoxb-sandbox-token-1234567890";
    const signingSecret = "slack-signing-secret-0123456789";

    async function slackSetup() {
      slack = await startSlackSandbox({ token, signingSecret, users: [{ id: "U0AMY", name: "amy", email: "amy@example.test" }] });
      cleanups.push(() => slack.close());
      const s = await store();
      const config = senderConfig(
        {
          channels: { incidents: { kind: "slack", token, channel: "#incidents", signingSecret, apiUrl: slack.apiUrl } },
          routes: [{ channels: ["incidents"] }, { events: ["approval.requested"], to: { rotation: "primary" } }],
        },
        { rotations: { primary: { members: ["amy"] } }, people: { amy: { email: "amy@example.test" } } },
        [token, signingSecret],
      );
      const sender = startSender({ store: s, config, log, pollMs: 50, backoffBaseMs: 100 });
      cleanups.push(() => sender.stop());
      return s;
    }

    it("posts one message per incident and keeps it current with chat.update", async () => {
      const s = await slackSetup();
      await recordNotification(s.db, { kind: "incident.declared", subject: "inc_42", severity: "P1", payload: { title: "Checkout is down", status: "investigating", link: "/incidents/inc_42" } });
      await recordNotification(s.db, { kind: "incident.updated", subject: "inc_42", severity: "P1", payload: { title: "Checkout is down", status: "identified", link: "/incidents/inc_42" } });
      await recordNotification(s.db, { kind: "incident.resolved", subject: "inc_42", severity: "P1", payload: { title: "Checkout is down", status: "resolved", link: "/incidents/inc_42" } });
      await until(async () => (await listDeliveries(s)).filter((d) => d.status === "sent").length === 3);
      expect(slack.messages).toHaveLength(1);
      expect(slack.messages[0]!.edited).toBe(2);
      const blocks = JSON.stringify(slack.messages[0]!.attachments);
      expect(blocks).toContain("resolved");
      expect(blocks).toContain("<http://portal.test/incidents/inc_42|Checkout is down>");
      expect((slack.messages[0]!.attachments[0] as { color: string }).color).toBe("good");
      expect(slack.calls.map((c) => c.method)).toEqual(["chat.postMessage", "chat.update", "chat.update"]);
    });

    it("posts through an incoming-webhook URL (no token: no updates, no buttons)", async () => {
      slack = await startSlackSandbox({ token, signingSecret, users: [] });
      cleanups.push(() => slack.close());
      const s = await store();
      const webhookUrl = `${slack.url}/services/T0SANDBOX/B0HOOK/incoming-webhook-secret-123`;
      const config = senderConfig({ channels: { ops: { kind: "slack", webhookUrl } }, routes: [{ channels: ["ops"] }] }, {}, [webhookUrl]);
      const sender = startSender({ store: s, config, log, pollMs: 50 });
      cleanups.push(() => sender.stop());
      await recordNotification(s.db, { kind: "incident.declared", subject: "inc_9", severity: "P2", payload: { title: "Search is slow" } });
      await recordNotification(s.db, { kind: "incident.resolved", subject: "inc_9", severity: "P2", payload: { title: "Search is slow" } });
      await until(async () => (await listDeliveries(s)).filter((d) => d.status === "sent").length === 2);
      expect(slack.calls.map((c) => c.method)).toEqual(["incoming-webhook", "incoming-webhook"]);
      expect(slack.messages).toHaveLength(2);
      expect(JSON.stringify(slack.messages)).not.toContain('"action_id"');
    });

    it("waits out a 429 with Retry-After: 2 and then sends", async () => {
      const s = await slackSetup();
      slack.failNext("chat.postMessage", { status: 429, retryAfter: 2 });
      const t0 = Date.now();
      await recordNotification(s.db, { kind: "cron.down", subject: "cron.nightly", payload: { title: "nightly is down" } });
      const d = await until(async () => (await listDeliveries(s)).find((x) => x.status === "sent"));
      const posts = slack.calls.filter((c) => c.method === "chat.postMessage");
      expect(posts).toHaveLength(2);
      expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1990);
      expect(d.attempts).toBe(2);
      expect(Date.now() - t0).toBeLessThan(10_000);
    });

    it("reaches the on-call person in their DM (users.lookupByEmail) with Approve and Decline", async () => {
      const s = await slackSetup();
      await recordNotification(s.db, { kind: "approval.requested", subject: "run_7", payload: { title: "stripe.refund waits for a second admin", runId: "run_7", requester: "admin" } });
      await until(async () => (await listDeliveries(s)).filter((d) => d.status === "sent").length === 2);
      expect(slack.calls.map((c) => c.method)).toContain("users.lookupByEmail");
      const dm = slack.messages.find((m) => m.channel === "U0AMY");
      expect(JSON.stringify(dm?.attachments)).toContain('"action_id":"approve"');
      expect(JSON.stringify(slack.messages)).not.toContain(token);
    });
  });

  it("mails through a real SMTP server with STARTTLS and auth, text and HTML", async () => {
    const box = await startMailbox({ users: { ops: "smtp-password-123" } });
    cleanups.push(() => box.close());
    const { port, mails } = box;
    const s = await store();
    const config = senderConfig(
      { channels: { mail: { kind: "email", smtp: { host: "127.0.0.1", port, user: "ops", password: "smtp-password-123" }, from: "ops@example.test", to: ["oncall@example.test"] } }, routes: [{ channels: ["mail"] }] },
      {},
      ["smtp-password-123"],
    );
    const sender = startSender({ store: s, config, log, pollMs: 50 });
    cleanups.push(() => sender.stop());
    await recordNotification(s.db, { kind: "backup.verification-failed", subject: "backups.nightly", payload: { title: "Restore check of nightly failed", summary: "pg_restore: table orders missing <b>", link: "/runbooks/backups" } });
    await until(async () => (await listDeliveries(s)).find((d) => d.status === "sent"));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ from: "ops@example.test", to: ["oncall@example.test"], secure: true, user: "ops" });
    expect(mails[0]!.raw).toContain("Subject: [Opsdeck] Restore check of nightly failed");
    expect(mails[0]!.raw).toMatch(/Content-Type: text\/plain/);
    expect(mails[0]!.raw).toMatch(/Content-Type: text\/html/);
    expect(mails[0]!.raw).toContain("&lt;b&gt;");
    expect(mails[0]!.raw).not.toContain("smtp-password-123");
  });
});
