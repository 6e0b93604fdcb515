import { z } from "zod";
import { secret } from "../plugin-api";

export const StripeConfigSchema = z
  .object({
    secretKey: secret(z.string().regex(/^(sk_live_|sk_test_|rk_live_|rk_test_)/, 'must start with "sk_" (or "rk_" for a restricted key)')),
    /** Only for the local sandbox; production talks to api.stripe.com. */
    apiBase: z.string().url().optional(),
    webhookSecret: secret(z.string().startsWith("whsec_", 'must start with "whsec_"')).optional(),
    account: z.string().default("default"),
  })
  .strict();
export type StripeConfig = z.infer<typeof StripeConfigSchema>;
