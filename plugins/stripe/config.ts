import { z } from "zod";
import { secret } from "../plugin-api";

const WebhookSecretSchema = z.string().startsWith("whsec_", 'must start with "whsec_"');

export const StripeConfigSchema = z
  .object({
    secretKey: secret(z.string().regex(/^(sk_live_|sk_test_|rk_live_|rk_test_)/, 'must start with "sk_" (or "rk_" for a restricted key)')),
    /** Only for the local sandbox; production talks to api.stripe.com. */
    apiBase: z.string().url().optional(),
    /** Signing secret used to re-deliver events to an endpoint that has no entry in endpointSecrets. */
    webhookSecret: secret(WebhookSecretSchema).optional(),
    /** Signing secret per webhook endpoint (`we_…` → `whsec_…`): Stripe shows it only at creation. */
    endpointSecrets: secret(z.record(z.string().regex(/^we_/, 'keys must be webhook endpoint ids ("we_…")'), WebhookSecretSchema)).optional(),
    account: z.string().default("default"),
  })
  .strict();
export type StripeConfig = z.infer<typeof StripeConfigSchema>;
