import { z } from "zod";
import { DurationSchema, secret, TimezoneSchema } from "../../../plugins/plugin-api";

const Secret = () => secret(z.string().min(8, "must be at least 8 characters").max(2000));
const ChannelName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be lower-case letters, digits, - or _");

/** Event kinds a route may name. */
export const EVENT_KINDS = [
  "incident.declared",
  "incident.updated",
  "incident.resolved",
  "incident.reminder",
  "approval.requested",
  "request.waiting",
  "action.failed",
  "action.break-glass",
  "alert.declared",
  "probe.critical",
  "cron.down",
  "backup.verification-failed",
  "escalation",
  "test",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const SlackChannelSchema = z
  .object({
    kind: z.literal("slack"),
    token: Secret().optional().describe("Bot token (xoxb-…) for chat.postMessage / chat.update"),
    channel: z.string().min(1).max(100).optional().describe("Channel name or id the bot posts to"),
    signingSecret: Secret().optional().describe("Signing secret: verifies Approve/Decline callbacks (X-Slack-Signature)"),
    webhookUrl: Secret().optional().describe("An incoming-webhook URL instead of a bot token (no updates, no buttons)"),
    /** Base URL of the Web API; a sandbox in tests and demo. */
    apiUrl: z.string().url().optional(),
  })
  .strict()
  .refine((c) => (!!c.token && !!c.channel) || !!c.webhookUrl, { message: "give token and channel, or webhookUrl" });

export const EmailChannelSchema = z
  .object({
    kind: z.literal("email"),
    smtp: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        /** true: TLS from the first byte (465); false: STARTTLS when the server offers it. */
        secure: z.boolean().default(false),
        /** Refuse to send without STARTTLS (off only for a local test server). */
        requireTls: z.boolean().default(true),
        user: z.string().min(1).optional(),
        password: Secret().optional(),
      })
      .strict(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).max(50).default([]),
  })
  .strict();

export const WebhookChannelSchema = z
  .object({
    kind: z.literal("webhook"),
    url: z.string().url(),
    secret: Secret().describe("HMAC-SHA256 key: X-Opsdeck-Signature: sha256=<hex of HMAC(body)>"),
  })
  .strict();

export const PagerDutyChannelSchema = z
  .object({
    kind: z.literal("pagerduty"),
    routingKey: Secret().describe("Events API v2 integration (routing) key"),
    url: z.string().url().default("https://events.pagerduty.com/v2/enqueue"),
  })
  .strict();

export const ChannelSchema = z.discriminatedUnion("kind", [SlackChannelSchema, EmailChannelSchema, WebhookChannelSchema, PagerDutyChannelSchema]);
export type ChannelConfig = z.output<typeof ChannelSchema>;

export const RouteSchema = z
  .object({
    events: z.array(z.enum(EVENT_KINDS)).optional(),
    severities: z.array(z.string().min(1).max(40)).optional(),
    plugins: z.array(z.string().min(1)).optional(),
    runbooks: z.array(z.string().min(1)).optional(),
    channels: z.array(ChannelName).optional(),
    to: z.object({ rotation: z.string().min(1) }).strict().optional(),
  })
  .strict()
  .refine((r) => !!r.channels?.length || !!r.to, { message: "give channels, or to: { rotation }" });
export type Route = z.output<typeof RouteSchema>;

export const NotificationsConfigSchema = z
  .object({
    channels: z.record(ChannelName, ChannelSchema).default({}),
    routes: z.array(RouteSchema).max(200).default([]),
    /** Minutes between status-update reminders to the commander, per severity. */
    reminders: z.record(z.string(), z.number().int().min(1).max(1440)).default({ P1: 15, P2: 30 }),
    /** Delivery attempts before a delivery is failed. */
    maxAttempts: z.number().int().min(1).max(50).default(8),
  })
  .strict()
  .superRefine((c, ctx) => {
    c.routes.forEach((r, i) => {
      for (const ch of r.channels ?? []) if (!c.channels[ch]) ctx.addIssue({ code: "custom", path: ["routes", i, "channels"], message: `no channel "${ch}" in notifications.channels` });
    });
  })
  .default({ channels: {}, routes: [], reminders: { P1: 15, P2: 30 }, maxAttempts: 8 });
export type NotificationsConfig = z.output<typeof NotificationsConfigSchema>;

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;

export const RotationSchema = z
  .object({
    members: z.array(z.string().min(1).max(100)).min(1).max(100),
    handoff: z
      .object({
        weekday: z.enum(WEEKDAYS).optional(),
        time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM").default("09:00"),
        /** daily | weekly (weekly when weekday is given). */
        every: z.enum(["day", "week"]).optional(),
      })
      .strict()
      .default({ time: "09:00" }),
    timezone: TimezoneSchema,
    /** Layers on top of the base: a narrower schedule that wins while it applies (e.g. a weekend layer). */
    layers: z
      .array(
        z
          .object({
            members: z.array(z.string().min(1)).min(1),
            weekdays: z.array(z.enum(WEEKDAYS)).min(1),
            from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default("00:00"),
            to: z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/).default("24:00"),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();
export type RotationConfig = z.output<typeof RotationSchema>;
export { WEEKDAYS };

export const EscalationLevelSchema = z
  .object({
    rotation: z.string().min(1).optional(),
    users: z.array(z.string().min(1)).min(1).optional(),
    after: DurationSchema,
    channels: z.array(ChannelName).optional(),
  })
  .strict()
  .refine((l) => !!l.rotation !== !!l.users, { message: "give rotation or users" });

export const OncallConfigSchema = z
  .object({
    rotations: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), RotationSchema).default({}),
    escalation: z.record(z.string(), z.array(EscalationLevelSchema).min(1).max(10)).default({}),
    /** How people are reached: e-mail (also how a Slack user is matched to a portal user). */
    people: z.record(z.string(), z.object({ email: z.string().email(), name: z.string().optional() }).strict()).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const [name, levels] of Object.entries(c.escalation)) {
      levels.forEach((l, i) => {
        if (l.rotation && !c.rotations[l.rotation]) ctx.addIssue({ code: "custom", path: ["escalation", name, i, "rotation"], message: `no rotation "${l.rotation}" in oncall.rotations` });
      });
    }
  })
  .default({ rotations: {}, escalation: {}, people: {} });
export type OncallConfig = z.output<typeof OncallConfigSchema>;
