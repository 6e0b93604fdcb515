import crypto from "node:crypto";
import type { DemoModule } from "../world";

/** A variable as a deploy platform holds it; `updatedAt` is when it was last set in the dashboard. */
export interface ShopEnvVar {
  key: string;
  value: string;
  updatedAt: number;
  type?: "encrypted" | "plain" | "sensitive";
}

/** The shop's production variables: the Next.js frontend on Vercel and the API backend on Render. */
export interface ShopEnvironment {
  frontend: ShopEnvVar[];
  backend: ShopEnvVar[];
}

export const SHOP_ENVIRONMENT = "shop.environment";

/**
 * Seeded trouble, one of each kind the runbooks warn about: the Paddle signature bypass left on in
 * production, SENTRY_DSN typed as SENTRY_DNS, MONGO_URI with a trailing space, HMRC_ENV=sandbox, and
 * a Stripe webhook secret rotated 25 minutes ago (after the serving deployment was built) on the
 * frontend only, so it differs from the backend's. Values are random per start.
 */
export function shopEnvironment(now: number): ShopEnvironment {
  const r = (n: number) => crypto.randomBytes(n).toString("hex");
  const minutesAgo = (m: number) => now - m * 60_000;
  const oldSecret = `whsec_${r(16)}`;
  const longAgo = minutesAgo(3 * 24 * 60);
  return {
    frontend: [
      { key: "NEXT_PUBLIC_PADDLE_ENV", value: "production", updatedAt: longAgo, type: "plain" },
      { key: "PADDLE_API_KEY", value: `pdl_live_apikey_${r(20)}`, updatedAt: longAgo },
      { key: "PADDLE_WEBHOOK_SECRET_KEY", value: `pdl_ntfset_${r(20)}`, updatedAt: longAgo },
      { key: "PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", value: "true", updatedAt: minutesAgo(6 * 60), type: "plain" },
      { key: "STRIPE_SECRET_KEY", value: `sk_live_${r(24)}`, updatedAt: longAgo },
      { key: "STRIPE_WEBHOOK_SECRET", value: `whsec_${r(16)}`, updatedAt: minutesAgo(25) },
      { key: "NEXT_PUBLIC_SUPABASE_URL", value: "https://wildlife-shop.supabase.co", updatedAt: longAgo, type: "plain" },
      { key: "NEXT_PUBLIC_SUPABASE_ANON_KEY", value: `eyJ${r(40)}`, updatedAt: longAgo },
      { key: "SUPABASE_SERVICE_ROLE_KEY", value: `eyJ${r(40)}`, updatedAt: longAgo, type: "sensitive" },
    ],
    backend: [
      { key: "MONGO_URI", value: `mongodb+srv://shop:${r(12)}@cluster0.a1b2c.mongodb.net/shop?retryWrites=true `, updatedAt: longAgo },
      { key: "HMRC_ENV", value: "sandbox", updatedAt: longAgo },
      { key: "HMRC_CLIENT_ID", value: r(14), updatedAt: longAgo },
      { key: "HMRC_CLIENT_SECRET", value: r(18), updatedAt: longAgo },
      { key: "STRIPE_SECRET_KEY", value: `sk_live_${r(24)}`, updatedAt: longAgo },
      { key: "STRIPE_WEBHOOK_SECRET", value: oldSecret, updatedAt: longAgo },
      { key: "SENTRY_DNS", value: `https://${r(16)}@o4506.ingest.sentry.io/4506001`, updatedAt: longAgo },
      { key: "CLOUDINARY_CLOUD_NAME", value: "wildlife-exchange", updatedAt: longAgo },
      { key: "CLOUDINARY_API_KEY", value: String(100000000000000 + (crypto.randomBytes(4).readUInt32BE() % 899999999999999)), updatedAt: longAgo },
      { key: "CLOUDINARY_API_SECRET", value: r(14), updatedAt: longAgo },
    ],
  };
}

export const shopEnvironmentModule: DemoModule = {
  id: "environment",
  async start(world) {
    world.provide(SHOP_ENVIRONMENT, shopEnvironment(Date.now()));
  },
};

/** One seeded problem and the dashboard edit that fixes it: variables set (or, with null, removed) per site. */
export interface ShopEnvFix {
  id: string;
  site: "shop" | "shop-api";
  problem: string;
  fix: string;
  changes(): { site: "shop" | "shop-api"; key: string; value: string | null }[];
}

/** The fixes of the seeded trouble; each value is generated afresh and never shown. */
export const SHOP_ENV_FIXES: ShopEnvFix[] = [
  {
    id: "paddle-bypass",
    site: "shop",
    problem: "PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV is true in production",
    fix: "Set PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV to false",
    changes: () => [{ site: "shop", key: "PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", value: "false" }],
  },
  {
    id: "sentry-dsn",
    site: "shop-api",
    problem: "SENTRY_DNS is set where SENTRY_DSN is expected",
    fix: "Set SENTRY_DSN and remove SENTRY_DNS",
    changes: () => [
      { site: "shop-api", key: "SENTRY_DSN", value: `https://${crypto.randomBytes(16).toString("hex")}@o4506.ingest.sentry.io/4506001` },
      { site: "shop-api", key: "SENTRY_DNS", value: null },
    ],
  },
  {
    id: "mongo-uri",
    site: "shop-api",
    problem: "MONGO_URI ends with a space",
    fix: "Set MONGO_URI without surrounding whitespace",
    changes: () => [{ site: "shop-api", key: "MONGO_URI", value: `mongodb+srv://shop:${crypto.randomBytes(12).toString("hex")}@cluster0.a1b2c.mongodb.net/shop?retryWrites=true` }],
  },
  {
    id: "hmrc-env",
    site: "shop-api",
    problem: "HMRC_ENV is not production",
    fix: "Set HMRC_ENV to production",
    changes: () => [{ site: "shop-api", key: "HMRC_ENV", value: "production" }],
  },
  {
    id: "webhook-secret",
    site: "shop",
    problem: "STRIPE_WEBHOOK_SECRET differs between the frontend and the backend",
    fix: "Set one new STRIPE_WEBHOOK_SECRET on both (the frontend still needs a redeploy after it)",
    changes: () => {
      const value = `whsec_${crypto.randomBytes(16).toString("hex")}`;
      return [
        { site: "shop", key: "STRIPE_WEBHOOK_SECRET", value },
        { site: "shop-api", key: "STRIPE_WEBHOOK_SECRET", value },
      ];
    },
  },
];
