// Issue 29's config shape is read as written, its secrets are marked, and no secret — of the
// notification channels or anywhere else in the portal's config — leaves in any message: the Slack
// sandbox, a real SMTP mailbox, a signed webhook, PagerDuty's Events API, the deliveries API.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { startMailbox } from "../../demo/mailbox";
import { startSlackSandbox } from "../../demo/slack-sandbox";
import { ConfigError, loadConfig } from "~/core/config.server";
import { migrate, openStore } from "~/core/db/store.server";
import { listDeliveries, recordNotification } from "~/core/notifications/outbox.server";
import { startSender } from "~/core/notifications/sender.server";

const ENV = {
  SESSION_SECRET: "session-secret-0123456789abcdef",
  SLACK_BOT_TOKEN: "xoxb-planted-slack-token-0001",
  SLACK_SIGNING_SECRET: "planted-signing-secret-0002",
  SMTP_PASSWORD: "planted-smtp-password-0003",
  HOOK_SECRET: "planted-hook-secret-0004",
  PAGERDUTY_ROUTING_KEY: "planted-routing-key-00000005",
};

const dirs: string[] = [];
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function withConfig(yaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-notify-cfg-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "app-config.yaml"), yaml);
  return dir;
}

// The issue's YAML with the ${ENV} values quoted: unquoted, "${" inside a flow map { … } is not valid YAML.
function issueConfig(o: { slackApi: string; smtpPort: number; hook: string; pager: string }): string {
  return `
notifications:
  channels:
    incidents: { kind: slack, token: "\${SLACK_BOT_TOKEN}", channel: "#incidents", signingSecret: "\${SLACK_SIGNING_SECRET}", apiUrl: "${o.slackApi}" }
    mail:      { kind: email, smtp: { host: 127.0.0.1, port: ${o.smtpPort}, user: ops, password: "\${SMTP_PASSWORD}" }, from: ops@example.test, to: [oncall@example.test] }
    hook:      { kind: webhook, url: "${o.hook}", secret: "\${HOOK_SECRET}" }
    pager:     { kind: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}", url: "${o.pager}" }
  routes:
    - { channels: [hook] }
    - { events: [approval.requested], to: { rotation: primary } }
    - { events: [incident.declared, incident.updated], severities: [P1, P2], channels: [incidents, pager, mail] }
oncall:
  rotations:
    primary: { members: [amy, ben], handoff: { weekday: monday, time: "09:00" }, timezone: Europe/Berlin }
  escalation:
    default: [{ rotation: primary, after: 0m }, { users: [lead-admin], after: 15m }, { users: [eng-lead], after: 30m }]
`;
}

describe("notifications config", () => {
  it("reads the issue's config shape, with every channel secret marked", () => {
    const cfg = loadConfig({ cwd: withConfig(issueConfig({ slackApi: "http://127.0.0.1:1/api/", smtpPort: 587, hook: "https://hooks.example/opsdeck", pager: "https://events.pagerduty.com/v2/enqueue" })), env: ENV });
    expect(Object.keys(cfg.notifications.channels)).toEqual(["incidents", "mail", "hook", "pager"]);
    expect(cfg.oncall.escalation.default).toHaveLength(3);
    for (const k of ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SMTP_PASSWORD", "HOOK_SECRET", "PAGERDUTY_ROUTING_KEY"] as const) expect(cfg.secretValues).toContain(ENV[k]);
  });

  it("names the key of a route to a missing channel and of an escalation to a missing rotation", () => {
    const cwd = withConfig("notifications:\n  routes:\n    - { channels: [nowhere] }\noncall:\n  escalation:\n    default: [{ rotation: nobody, after: 0m }]\n");
    let problems: string[] = [];
    try {
      loadConfig({ cwd, env: ENV });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    expect(problems).toEqual(['notifications.routes.0.channels: no channel "nowhere" in notifications.channels', 'oncall.escalation.default.0.rotation: no rotation "nobody" in oncall.rotations']);
  });
});

describe("no secret in any message", () => {
  it("Slack, e-mail, webhook, PagerDuty and the deliveries list carry none of the portal's secrets", async () => {
    const slack = await startSlackSandbox({ token: ENV.SLACK_BOT_TOKEN, signingSecret: ENV.SLACK_SIGNING_SECRET, users: [{ id: "U0AMY", name: "amy", email: "amy@example.test" }] });
    stops.push(() => slack.close());
    const mailbox = await startMailbox({ users: { ops: ENV.SMTP_PASSWORD } });
    stops.push(() => mailbox.close());
    const bodies: { url: string; body: string; headers: http.IncomingHttpHeaders }[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        bodies.push({ url: req.url!, body, headers: req.headers });
        res.writeHead(req.url === "/pager" ? 202 : 200, { "content-type": "application/json" }).end(req.url === "/pager" ? '{"status":"success","message":"Event processed"}' : "");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    stops.push(() => new Promise((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cfg = loadConfig({ cwd: withConfig(issueConfig({ slackApi: slack.apiUrl, smtpPort: mailbox.port, hook: `${base}/hook`, pager: `${base}/pager` })), env: ENV });

    const store = await openStore(":memory:");
    await migrate(store);
    stops.push(() => store.close());
    const sender = startSender({ store, config: cfg, log: pino({ level: "silent" }), pollMs: 50 });
    stops.push(() => sender.stop());
    // An event whose own text quotes every secret (a pasted error, a careless title).
    const leaky = Object.values(ENV).join(" ");
    await recordNotification(store.db, { kind: "incident.declared", subject: "inc_leak", severity: "P1", payload: { title: `Leak ${ENV.HOOK_SECRET}`, summary: leaky, error: leaky, link: "/incidents/inc_leak" } });
    await recordNotification(store.db, { kind: "incident.resolved", subject: "inc_leak", severity: "P1", payload: { title: "Leak", summary: leaky, link: "/incidents/inc_leak" } });
    const deadline = Date.now() + 20_000;
    while ((await listDeliveries(store)).filter((d) => d.status === "sent").length < 5) {
      if (Date.now() > deadline) throw new Error(`not delivered: ${JSON.stringify(await listDeliveries(store))}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const pager = bodies.filter((b) => b.url === "/pager").map((b) => JSON.parse(b.body) as Record<string, unknown>);
    expect(pager.map((p) => p.event_action)).toEqual(["trigger"]);
    expect(pager[0]).toMatchObject({ routing_key: ENV.PAGERDUTY_ROUTING_KEY, dedup_key: "opsdeck:inc_leak", payload: { source: "opsdeck", severity: "critical" } });
    expect(bodies.filter((b) => b.url === "/hook")).toHaveLength(2);
    expect(slack.messages).toHaveLength(1);
    expect(mailbox.mails).toHaveLength(1);

    const everything = [
      JSON.stringify(slack.messages),
      mailbox.mails.map((m) => m.raw).join("\n"),
      bodies.filter((b) => b.url !== "/pager").map((b) => b.body).join("\n"),
      JSON.stringify(pager.map(({ routing_key: _, ...rest }) => rest)),
      JSON.stringify(await listDeliveries(store)),
    ].join("\n");
    for (const [name, value] of Object.entries(ENV)) expect(everything, name).not.toContain(value);
    expect(everything).toContain("[redacted]");
  });
});
