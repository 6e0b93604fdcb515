import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";

const Threshold = z.string().regex(/^\s*(>|>=|<|<=|==)\s*\d+(\.\d+)?(\s+for\s+\d+[smhd])?\s*$/, 'a threshold such as "> 10" or "> 5 for 5m"');

export const RouteSchema = z
  .object({
    transaction: z.string().min(1).describe("The transaction name as Sentry records it, e.g. /api/stripe/webhook (a trailing * matches a prefix)."),
    title: z.string().optional().describe("Name shown on the overview; default the route name."),
    warn: Threshold.optional().describe('Error events per minute on this route above which it warns, e.g. "> 1".'),
    critical: Threshold.optional().describe('Error events per minute on this route above which it is critical, e.g. "> 5" or "> 5 for 5m".'),
  })
  .strict();

/** The seeds' alert rules: errors > 10/min overall, payment route errors > 1, webhook failures > 5. */
export const PRESET_ROUTES = {
  payments: { transaction: "/api/checkout*", title: "Payment route errors", critical: "> 1" },
  "stripe-webhook": { transaction: "/api/stripe/webhook", title: "Stripe webhook failures", critical: "> 5" },
} satisfies Record<string, z.input<typeof RouteSchema>>;

export const SentryConfigSchema = z
  .object({
    org: z.string().min(1).describe("The organization slug, as in sentry.io/organizations/<org>/."),
    project: z.string().min(1).describe("The project slug, e.g. shop-web."),
    token: secret(z.string().min(8, "a Sentry auth token").describe("A Sentry auth token with org:read, project:read and event:read, e.g. ${SENTRY_AUTH_TOKEN}.")),
    url: z.string().url().default("https://sentry.io").describe("Sentry's base URL; set it for self-hosted Sentry, e.g. https://sentry.example.com."),
    environment: z.string().optional().describe("Count only events of this environment, e.g. production; default all."),
    window: DurationSchema.default("5m").describe("The window over which events per minute are averaged."),
    overall: z
      .object({
        warn: Threshold.optional().describe('Error events per minute, whole project, above which it warns, e.g. "> 5".'),
        critical: Threshold.optional().describe('Error events per minute, whole project, above which it is critical, e.g. "> 10".'),
      })
      .strict()
      .default({ warn: "> 5", critical: "> 10" })
      .describe("Thresholds of sentry.error-rate."),
    routes: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "route names are kebab-case"), RouteSchema)
      .default(PRESET_ROUTES)
      .describe("Per-transaction error rates by kebab-case name, each a probe sentry.route-<name>; default the payments and stripe-webhook preset."),
    deploySite: z.string().optional().describe('The deploy site (plugins.deploys.sites.<name>) whose production deployment "new issues" count from; default the first.'),
    topIssues: z.number().int().min(1).max(50).default(10).describe("How many issues sentry.top-issues lists."),
  })
  .strict();

export type SentryConfig = z.infer<typeof SentryConfigSchema>;
