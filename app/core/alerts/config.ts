import { Cron } from "croner";
import { z } from "zod";
import { DurationSchema, secret, TimezoneSchema, validTimezone } from "../../../plugins/plugin-api";

/** A label matcher, as Alertmanager's API v2 writes one. */
export const MatcherSchema = z
  .object({
    name: z.string().min(1).max(100).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a label name"),
    value: z.string().max(1000),
    isRegex: z.boolean().default(false),
    /** false: the label must NOT equal / match the value. */
    isEqual: z.boolean().default(true),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!m.isRegex) return;
    try {
      new RegExp(`^(?:${m.value})$`);
    } catch {
      ctx.addIssue({ code: "custom", path: ["value"], message: "is not a valid regular expression" });
    }
  });
export type Matcher = z.output<typeof MatcherSchema>;

const Token = () => secret(z.string().min(8, "must be at least 8 characters").max(500));
const JsonPointer = z.string().regex(/^(\/[^/]*)*$/, "must be a JSON pointer such as /labels/severity");

export const ReceiverSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("alertmanager"), token: Token().describe("Bearer token Alertmanager sends (http_config.authorization.credentials)") }).strict(),
  z
    .object({
      kind: z.literal("grafana"),
      token: Token().optional().describe("Bearer token of the contact point (Authorization header)"),
      username: z.string().min(1).max(100).optional(),
      password: Token().optional().describe("Basic auth password of the contact point"),
    })
    .strict()
    .refine((r) => !!r.token || (!!r.username && !!r.password), { message: "give token, or username and password" }),
  z.object({ kind: z.literal("sentry"), clientSecret: Token().describe("The integration's client secret: Sentry-Hook-Signature is its HMAC-SHA256 of the body") }).strict(),
  z
    .object({
      kind: z.literal("webhook"),
      token: Token().describe("Bearer token the sender puts in Authorization"),
      map: z
        .object({
          name: JsonPointer,
          status: JsonPointer.optional(),
          severity: JsonPointer.optional(),
          fingerprint: JsonPointer.optional(),
          summary: JsonPointer.optional(),
          labels: JsonPointer.optional(),
          service: JsonPointer.optional(),
        })
        .strict(),
    })
    .strict(),
]);
export type ReceiverConfig = z.output<typeof ReceiverSchema>;

const IncidentSeverity = z.enum(["P1", "P2", "P3", "P4"]);

export const RuleSchema = z
  .object({
    matchers: z.array(MatcherSchema).min(1).max(20),
    /** Opens an incident; the alert's `severity` label picks the incident severity. */
    declare: z
      .object({
        severity: z.record(z.string(), IncidentSeverity).default({}),
        /** When the label is missing or not in the map. */
        default: IncidentSeverity.default("P3"),
      })
      .strict()
      .optional(),
    /** Joins the open incident linked to the same runbook or service (when there is none: declares if `declare` is set). */
    join: z.boolean().optional(),
  })
  .strict()
  .refine((r) => !!r.declare || r.join === true, { message: "give declare or join: true" });
export type AlertRule = z.output<typeof RuleSchema>;

export const ScheduleSchema = z
  .object({
    cron: z.string().min(9).max(100),
    duration: DurationSchema,
    timezone: TimezoneSchema,
  })
  .strict()
  .superRefine((s, ctx) => {
    try {
      new Cron(s.cron, { timezone: validTimezone(s.timezone) ? s.timezone : "UTC", paused: true });
    } catch (err) {
      ctx.addIssue({ code: "custom", path: ["cron"], message: `not a cron schedule: ${(err as Error).message}` });
    }
  });
export type Schedule = z.output<typeof ScheduleSchema>;

export const MaintenanceWindowSchema = z
  .object({
    name: z.string().min(1).max(100),
    matchers: z.array(MatcherSchema).min(1).max(20),
    schedule: ScheduleSchema,
    comment: z.string().min(1).max(1000),
  })
  .strict();

export const AlertsConfigSchema = z
  .object({
    receivers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "receiver names are lower-case letters, digits, - and _"), ReceiverSchema).default({}),
    rules: z.array(RuleSchema).max(200).default([]),
    alertmanager: z
      .object({
        url: z.string().url(),
        /** Sent as Authorization: Bearer to the Alertmanager API, when it sits behind a proxy that wants one. */
        token: Token().optional(),
      })
      .strict()
      .optional(),
    /** Recurring silences (cron schedule + duration + time zone). */
    maintenanceWindows: z.array(MaintenanceWindowSchema).max(100).default([]),
    /** How long a firing alert with no `endsAt` and no re-send stays firing. */
    staleAfter: DurationSchema.default("24h"),
  })
  .strict()
  .default({ receivers: {}, rules: [], maintenanceWindows: [], staleAfter: "24h" });
export type AlertsConfig = z.output<typeof AlertsConfigSchema>;
