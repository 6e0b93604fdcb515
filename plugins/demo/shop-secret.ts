import { z } from "zod";
import { action, ActionInputError, type DemoWorld } from "../plugin-api";

/** The demo shop's Stripe side as the world offers it ("shop.stripe"); structural, no import of demo/. */
interface ShopStripe {
  webhookUrl: string;
  secretFingerprint(): string;
  stripeEndpoint(): { id: string; fingerprint: string } | null;
  syncWebhookSecret(): { before: string; after: string; endpointId: string; changed: boolean };
}

export const SyncShopSecretInputSchema = z.object({}).strict();

/**
 * demo.sync-shop-webhook-secret: the seed's fix for "signature verification failed" after a
 * rotation: make the app's STRIPE_WEBHOOK_SECRET match the endpoint's signing secret. In the demo
 * it stands for updating the shop's environment and redeploying; it acts on the demo world's shop.
 */
export function syncShopWebhookSecret(world: DemoWorld) {
  const shop = () => {
    const s = world.get<ShopStripe>("shop.stripe");
    if (!s) throw new ActionInputError("the demo shop has no Stripe webhook receiver running");
    return s;
  };
  const state = () => {
    const s = shop();
    const endpoint = s.stripeEndpoint();
    if (!endpoint) throw new ActionInputError("the Stripe sandbox has no endpoint pointing at the shop's webhook");
    return { shop: s, endpoint, current: s.secretFingerprint() };
  };
  return action({
    id: "sync-shop-webhook-secret",
    title: "Sync the shop's STRIPE_WEBHOOK_SECRET with Stripe",
    description:
      "Sets the demo shop's STRIPE_WEBHOOK_SECRET to the signing secret of its Stripe endpoint and redeploys the receiver (in a real shop: update the environment variable, redeploy). Stripe's retries then succeed.",
    risk: "high",
    input: SyncShopSecretInputSchema,
    target: () => "shop:STRIPE_WEBHOOK_SECRET",
    async preview() {
      const { shop: s, endpoint, current } = state();
      const matches = current === endpoint.fingerprint;
      return {
        summary: matches
          ? `The shop's STRIPE_WEBHOOK_SECRET already matches ${endpoint.id}'s signing secret (fingerprint ${current}); running redeploys with the same value.`
          : `The shop's STRIPE_WEBHOOK_SECRET (fingerprint ${current}) does not match the signing secret of ${endpoint.id} (fingerprint ${endpoint.fingerprint}); it becomes that secret and ${s.webhookUrl} is redeployed.`,
        count: 1,
        before: { STRIPE_WEBHOOK_SECRET: `fingerprint ${current}` },
        after: { STRIPE_WEBHOOK_SECRET: `fingerprint ${endpoint.fingerprint}` },
      };
    },
    async run(_input, ctx) {
      const s = shop();
      ctx.log(`reading the signing secret of the shop's endpoint in Stripe`);
      const r = s.syncWebhookSecret();
      ctx.log(`STRIPE_WEBHOOK_SECRET: fingerprint ${r.before} → ${r.after}`);
      ctx.log(`redeployed the webhook receiver at ${s.webhookUrl}; Stripe's next retry of each pending event will be accepted`);
      return {
        summary: r.changed
          ? `The shop's STRIPE_WEBHOOK_SECRET now matches ${r.endpointId} (fingerprint ${r.before} → ${r.after}); receiver redeployed`
          : `The shop's STRIPE_WEBHOOK_SECRET already matched ${r.endpointId} (fingerprint ${r.after}); receiver redeployed`,
        data: r,
      };
    },
  });
}
