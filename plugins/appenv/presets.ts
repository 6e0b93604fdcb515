import type { Rule } from "./config";
import type { PresetName } from "./preset-names";

// Rule sets by name, from what the runbooks say about each provider's variables.
const secretHygiene: Rule = { noSurroundingWhitespace: true, noPlaceholder: true, noQuotes: true };
const liveCredential: Rule = { ...secretHygiene, notContains: ["test", "sandbox", "demo"] };

export const PRESETS: Record<PresetName, Record<string, Rule>> = {
  stripe: {
    STRIPE_SECRET_KEY: { required: true, startsWith: ["sk_live_", "rk_live_"], ...liveCredential },
    STRIPE_WEBHOOK_SECRET: { required: true, startsWith: "whsec_", ...secretHygiene, redeployAfterChange: true },
  },
  paddle: {
    PADDLE_API_KEY: { required: true, ...liveCredential },
    PADDLE_WEBHOOK_SECRET_KEY: { required: true, ...secretHygiene, redeployAfterChange: true },
    NEXT_PUBLIC_PADDLE_ENV: { equals: "production" },
    PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV: { forbiddenIn: ["production"] },
  },
  supabase: {
    NEXT_PUBLIC_SUPABASE_URL: { required: true, startsWith: "https://", ...secretHygiene },
    NEXT_PUBLIC_SUPABASE_ANON_KEY: { required: true, ...secretHygiene },
    SUPABASE_SERVICE_ROLE_KEY: { required: true, ...secretHygiene },
  },
  firebase: {
    FIREBASE_PROJECT_ID: { required: true, noSurroundingWhitespace: true, noPlaceholder: true },
    FIREBASE_CLIENT_EMAIL: { required: true, pattern: "^[^@\\s]+@[^@\\s]+\\.iam\\.gserviceaccount\\.com$", noPlaceholder: true },
    FIREBASE_PRIVATE_KEY: { required: true, pattern: "-----BEGIN PRIVATE KEY-----", noPlaceholder: true },
  },
  mongodb: {
    MONGO_URI: { required: true, startsWith: ["mongodb://", "mongodb+srv://"], ...secretHygiene },
  },
  hmrc: {
    HMRC_ENV: { required: true, equals: "production" },
    HMRC_CLIENT_ID: { required: true, ...liveCredential },
    HMRC_CLIENT_SECRET: { required: true, ...liveCredential, redeployAfterChange: true },
  },
  cloudinary: {
    CLOUDINARY_CLOUD_NAME: { required: true, ...secretHygiene },
    CLOUDINARY_API_KEY: { required: true, ...secretHygiene },
    CLOUDINARY_API_SECRET: { required: true, ...secretHygiene, redeployAfterChange: true },
  },
  sentry: {
    SENTRY_DSN: { required: true, startsWith: "https://", ...secretHygiene },
    SENTRY_AUTH_TOKEN: { ...secretHygiene },
  },
  resend: {
    RESEND_API_KEY: { required: true, startsWith: "re_", ...secretHygiene },
    RESEND_FROM_EMAIL: { pattern: "^(.+<)?[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+>?$", noPlaceholder: true },
  },
  twilio: {
    TWILIO_ACCOUNT_SID: { required: true, startsWith: "AC", ...secretHygiene },
    TWILIO_AUTH_TOKEN: { required: true, ...secretHygiene },
  },
  clerk: {
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: { required: true, startsWith: "pk_live_", ...secretHygiene },
    CLERK_SECRET_KEY: { required: true, startsWith: "sk_live_", ...secretHygiene },
  },
};

/** A service's rules: its presets' in order, then its own; for one variable, a later rule replaces the same earlier one. */
export function rulesOf(presets: string[], own: Record<string, Rule>): Record<string, Rule> {
  const out: Record<string, Rule> = {};
  for (const p of presets) for (const [name, rule] of Object.entries(PRESETS[p as PresetName] ?? {})) out[name] = { ...out[name], ...rule };
  for (const [name, rule] of Object.entries(own)) out[name] = { ...out[name], ...rule };
  return out;
}
