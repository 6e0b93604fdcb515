import { z } from "zod";
import { secret } from "../plugin-api";

const ident = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain SQL identifier");

/** Where the app records what its webhook handler did (read through the supabase plugin's `sql` service). */
export const AppTablesSchema = z
  .object({
    webhookEvents: ident.default("webhook_events").describe("The app's table of received webhook deliveries (event id, provider, result, error)."),
    auditLog: ident.default("audit_log").describe("The app's audit table, where webhook.invalid_signature entries are counted."),
    provider: z.string().default("paddle").describe("Value of webhook_events.provider for Paddle rows."),
    window: z
      .string()
      .regex(/^\d+\s*(minutes?|hours?)$/, "must be e.g. '1 hour' or '30 minutes'")
      .default("1 hour")
      .describe("PostgreSQL interval the table checks look back over, e.g. '1 hour' or '30 minutes'."),
  })
  .strict();

/**
 * The app's environment, checked by name: `envFile` is the app's dotenv file as deployed (read at
 * each probe; values never leave the plugin). `required` must be present and non-empty; the bypass
 * flag must not be true while `environmentVariable` says production.
 */
export const AppEnvSchema = z
  .object({
    envFile: z.string().min(1).describe("Path of the app's deployed dotenv file, e.g. /srv/app/.env.production; read at each probe, values never leave the plugin."),
    required: z
      .array(z.string().min(1))
      .default(["PADDLE_API_KEY", "PADDLE_WEBHOOK_SECRET_KEY", "NEXT_PUBLIC_PADDLE_ENV"])
      .describe("Variables that must be present and non-empty; a missing one is critical."),
    bypassFlag: z
      .string()
      .default("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV")
      .describe("Variable that skips signature checks in development; true while the app says production is critical."),
    environmentVariable: z.string().default("NEXT_PUBLIC_PADDLE_ENV").describe("Variable naming the app's Paddle environment (sandbox or production)."),
  })
  .strict();

export const PaddleConfigSchema = z
  .object({
    apiKey: secret(z.string().min(10, "must be a Paddle API key").describe("Paddle API key (pdl_live_apikey_… or pdl_sdbx_apikey_…) with the permissions listed above.")),
    environment: z
      .union([z.enum(["sandbox", "production"]), z.string().url()])
      .default("production")
      .describe("sandbox, production, or a base URL (a local sandbox)."),
    webhookSecret: secret(z.string().min(8, "must be the destination's endpoint secret key"))
      .optional()
      .describe("The destination's endpoint secret key (pdl_ntfset_…); enables paddle.check-signature."),
    notificationSettingIds: z
      .array(z.string().regex(/^ntfset_[a-z0-9]+$/, "must be a notification setting id (ntfset_…)"))
      .default([])
      .describe("Destinations (notification settings, ntfset_…) to watch; empty: every destination of the account."),
    window: z.string().regex(/^\d+(h|d)$/, "must be e.g. 24h or 7d").default("24h").describe("Window over which failed / needs_retry notifications are counted, e.g. 24h or 7d."),
    appEnv: AppEnvSchema.optional().describe("The app's environment file, checked by name (probe paddle.config-safety)."),
    appTables: AppTablesSchema.optional().describe("The app's webhook tables, read through the supabase plugin's read-only `sql` service."),
  })
  .strict();
export type PaddleConfig = z.infer<typeof PaddleConfigSchema>;
export type AppTables = z.infer<typeof AppTablesSchema>;
export type AppEnv = z.infer<typeof AppEnvSchema>;
