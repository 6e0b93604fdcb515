import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";

const Threshold = z.string().regex(/^\s*(>|>=|<|<=|==)\s*\d+(\.\d+)?(\s+for\s+\d+[smhd])?\s*$/, 'a threshold such as "> 10" or "> 5 for 5m"');

export const RouteSchema = z
  .object({
    /** The transaction name as Sentry records it, e.g. /api/stripe/webhook (a trailing * matches a prefix). */
    transaction: z.string().min(1),
    title: z.string().optional(),
    warn: Threshold.optional(),
    critical: Threshold.optional(),
  })
  .strict();

/** The seeds' alert rules: errors > 10/min overall, payment route errors > 1, webhook failures > 5. */
export const PRESET_ROUTES = {
  payments: { transaction: "/api/checkout*", title: "Payment route errors", critical: "> 1" },
  "stripe-webhook": { transaction: "/api/stripe/webhook", title: "Stripe webhook failures", critical: "> 5" },
} satisfies Record<string, z.input<typeof RouteSchema>>;

export const SentryConfigSchema = z
  .object({
    org: z.string().min(1),
    project: z.string().min(1),
    token: secret(z.string().min(8, "a Sentry auth token")),
    /** Self-hosted Sentry; default https://sentry.io */
    url: z.string().url().default("https://sentry.io"),
    environment: z.string().optional(),
    /** The window over which events per minute are averaged. */
    window: DurationSchema.default("5m"),
    overall: z.object({ warn: Threshold.optional(), critical: Threshold.optional() }).strict().default({ warn: "> 5", critical: "> 10" }),
    routes: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "route names are kebab-case"), RouteSchema).default(PRESET_ROUTES),
    /** The deploy site (plugins.deploys.sites.<name>) whose production deployment "new issues" count from. */
    deploySite: z.string().optional(),
    topIssues: z.number().int().min(1).max(50).default(10),
  })
  .strict();

export type SentryConfig = z.infer<typeof SentryConfigSchema>;
