// Demo mode with no channel configured: a Slack sandbox (with a chat-client page) and a real local
// SMTP server with a viewable mailbox, a rotation of the demo users, and an escalation policy whose
// levels are minutes apart so it visibly moves on.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Portal } from "../portal.server";
import { NotificationsConfigSchema, OncallConfigSchema } from "./config";

/** The demo's people (the DESIGN's demo users), each with a Slack user and an e-mail. */
const PEOPLE = ["viewer", "responder", "admin", "admin2", "manager"] as const;
const EMAIL_DOMAIN = "shop.example";

let links: { slack: string; mailbox: string } | null = null;

/** Where the demo's Slack sandbox and mailbox pages are (null outside demo mode). */
export function demoNotificationLinks(): { slack: string; mailbox: string } | null {
  return links;
}

function demoSecret(dataDir: string, name: string, prefix = ""): string {
  const file = path.join(dataDir, name);
  try {
    const v = fs.readFileSync(file, "utf8").trim();
    if (v.length >= 16) return v;
  } catch {
    /* first start */
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const v = prefix + crypto.randomBytes(24).toString("base64url");
  fs.writeFileSync(file, v, { mode: 0o600 });
  return v;
}

export async function startNotificationsDemo(portal: Portal): Promise<(() => Promise<void>) | null> {
  if (!portal.demo.enabled || Object.keys(portal.config.notifications.channels).length) return null;
  const { startSlackSandbox } = await import("../../../demo/slack-sandbox");
  const { startMailbox, mailboxPage } = await import("../../../demo/mailbox");
  const token = demoSecret(portal.dataDir, "slack-demo-token", "xoxb-");
  const signingSecret = demoSecret(portal.dataDir, "slack-demo-signing-secret");
  const smtpPassword = demoSecret(portal.dataDir, "smtp-demo-password");
  for (const s of [token, signingSecret, smtpPassword]) if (!portal.config.secretValues.includes(s)) portal.config.secretValues.push(s);
  const mailbox = await startMailbox({ users: { opsdeck: smtpPassword }, dir: path.join(portal.dataDir, "mailbox") });
  const slack = await startSlackSandbox({
    token,
    signingSecret,
    users: PEOPLE.map((name) => ({ id: `U0${name.toUpperCase()}`, name, email: `${name}@${EMAIL_DOMAIN}` })),
    interactivityUrl: `http://127.0.0.1:${portal.config.server.port}/api/slack/interactivity`,
    port: Number(process.env.OPSDECK_SLACK_SANDBOX_PORT ?? 0),
    pages: { "/mailbox": () => mailboxPage(mailbox.mails) },
  });
  portal.config.notifications = NotificationsConfigSchema.parse({
    channels: {
      incidents: { kind: "slack", token, channel: "#incidents", signingSecret, apiUrl: slack.apiUrl },
      mail: { kind: "email", smtp: { host: "127.0.0.1", port: mailbox.port, user: "opsdeck", password: smtpPassword }, from: `opsdeck@${EMAIL_DOMAIN}`, to: [`oncall@${EMAIL_DOMAIN}`] },
    },
    routes: [{ channels: ["incidents"] }, { events: ["incident.declared", "approval.requested", "request.waiting", "cron.down", "backup.verification-failed"], channels: ["mail"] }],
  });
  portal.config.oncall = OncallConfigSchema.parse({
    rotations: {
      primary: { members: ["admin", "admin2"], handoff: { time: "09:00" }, timezone: "UTC" },
      secondary: { members: ["admin2", "admin"], handoff: { time: "09:00" }, timezone: "UTC" },
    },
    escalation: { default: [{ rotation: "primary", after: "0m" }, { rotation: "secondary", after: "2m" }, { users: ["manager"], after: "4m" }] },
    people: Object.fromEntries(PEOPLE.map((name) => [name, { email: `${name}@${EMAIL_DOMAIN}` }])),
  });
  links = { slack: slack.url, mailbox: `${slack.url}/mailbox` };
  portal.log.info({ slack: slack.url, mailbox: links.mailbox }, "demo notifications: Slack sandbox and mailbox");
  return async () => {
    links = null;
    await slack.close();
    await mailbox.close();
  };
}
