import { z } from "zod";
import { secret } from "../plugin-api";

const ident = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain SQL identifier");

/** Where the app records what its webhook handler did (read through the supabase plugin's `sql` service). */
export const AppTablesSchema = z
  .object({
    webhookEvents: ident.default("webhook_events"),
    auditLog: ident.default("audit_log"),
    /** Value of `webhook_events.provider` for Paddle rows. */
    provider: z.string().default("paddle"),
    window: z.string().regex(/^\d+\s*(minutes?|hours?)$/, "must be e.g. '1 hour' or '30 minutes'").default("1 hour"),
  })
  .strict();

/**
 * The app's environment, checked by name: `envFile` is the app's dotenv file as deployed (read at
 * each probe; values never leave the plugin). `required` must be present and non-empty; the bypass
 * flag must not be true while `environmentVariable` says production.
 */
export const AppEnvSchema = z
  .object({
    envFile: z.string().min(1),
    required: z.array(z.string().min(1)).default(["PADDLE_API_KEY", "PADDLE_WEBHOOK_SECRET_KEY", "NEXT_PUBLIC_PADDLE_ENV"]),
    bypassFlag: z.string().default("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV"),
    environmentVariable: z.string().default("NEXT_PUBLIC_PADDLE_ENV"),
  })
  .strict();

export const PaddleConfigSchema = z
  .object({
    apiKey: secret(z.string().min(10, "must be a Paddle API key")),
    environment: z.union([z.enum(["sandbox", "production"]), z.string().url()]).default("production"),
    webhookSecret: secret(z.string().min(8, "must be the destination's endpoint secret key")).optional(),
    /** Destinations (notification settings) to watch; empty: every destination of the account. */
    notificationSettingIds: z.array(z.string().regex(/^ntfset_[a-z0-9]+$/, "must be a notification setting id (ntfset_…)")).default([]),
    /** Window over which failed / needs_retry notifications are counted. */
    window: z.string().regex(/^\d+(h|d)$/, "must be e.g. 24h or 7d").default("24h"),
    appEnv: AppEnvSchema.optional(),
    appTables: AppTablesSchema.optional(),
  })
  .strict();
export type PaddleConfig = z.infer<typeof PaddleConfigSchema>;
export type AppTables = z.infer<typeof AppTablesSchema>;
export type AppEnv = z.infer<typeof AppEnvSchema>;
