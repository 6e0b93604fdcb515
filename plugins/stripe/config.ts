import { z } from "zod";
import { secret } from "../plugin-api";

const WebhookSecretSchema = z.string().startsWith("whsec_", 'must start with "whsec_"');

export const StripeConfigSchema = z
  .object({
    secretKey: secret(
      z
        .string()
        .regex(/^(sk_live_|sk_test_|rk_live_|rk_test_)/, 'must start with "sk_" (or "rk_" for a restricted key)')
        .describe("Stripe API key: a restricted key rk_live_… with the permissions listed above (or sk_live_…/sk_test_…)."),
    ),
    apiBase: z.string().url().optional().describe("API base URL; only for the local sandbox — production talks to https://api.stripe.com."),
    webhookSecret: secret(WebhookSecretSchema)
      .optional()
      .describe("Signing secret (whsec_…) used to re-deliver events to an endpoint that has no entry in endpointSecrets."),
    endpointSecrets: secret(z.record(z.string().regex(/^we_/, 'keys must be webhook endpoint ids ("we_…")'), WebhookSecretSchema))
      .optional()
      .describe("Signing secret per webhook endpoint (we_… → whsec_…), for stripe.resend-event; Stripe shows it only when the endpoint is created."),
    account: z.string().default("default").describe("Label for this Stripe account in titles and audit, e.g. eu or us."),
  })
  .strict();
export type StripeConfig = z.infer<typeof StripeConfigSchema>;
