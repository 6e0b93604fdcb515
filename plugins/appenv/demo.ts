import type { DemoWorld } from "../plugin-api";

/** Demo mode: the shop's frontend (Vercel site "shop") and backend (Render site "shop-api") through the deploys demo's sandbox. */
export async function demoAppenvConfig(world?: DemoWorld): Promise<unknown> {
  if (!world?.get("shop.environment")) return { services: {} };
  return {
    every: "1m",
    services: {
      frontend: {
        title: "Shop frontend (Vercel)",
        source: { site: "shop" },
        presets: ["paddle", "supabase"],
        rules: {
          STRIPE_SECRET_KEY: { required: true, startsWith: ["sk_live_", "rk_live_"], notContains: ["test", "sandbox", "demo"] },
          STRIPE_WEBHOOK_SECRET: { required: true, startsWith: "whsec_", noSurroundingWhitespace: true, sameAs: "backend.STRIPE_WEBHOOK_SECRET", redeployAfterChange: true },
        },
      },
      backend: {
        title: "Shop API (Render)",
        source: { site: "shop-api" },
        presets: ["mongodb", "hmrc", "cloudinary", "sentry"],
        rules: {
          STRIPE_SECRET_KEY: { required: true, startsWith: ["sk_live_", "rk_live_"], notContains: ["test", "sandbox", "demo"] },
          STRIPE_WEBHOOK_SECRET: { required: true, startsWith: "whsec_", noSurroundingWhitespace: true },
        },
      },
    },
  };
}
