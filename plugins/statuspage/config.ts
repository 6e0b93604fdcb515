import { z } from "zod";
import { DurationSchema } from "../plugin-api";

export const PROVIDER_KINDS = ["statuspage", "google-cloud", "feed"] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** What a provider's address is, by kind; each preset says whether its kind and address were confirmed from public documentation. */
export interface ProviderPreset {
  kind: ProviderKind;
  url: string;
  title: string;
  /** Plugins of ours that lean on this provider: an incident linking one of them involves it. */
  plugins: string[];
  confirmed: boolean;
}

/**
 * The seeds' providers. Statuspage pages answer /api/v2/summary.json under their page address;
 * Google Cloud and Firebase publish incidents.json; Railway runs its own page (an Atom feed).
 */
export const PRESETS = {
  stripe: { kind: "statuspage", url: "https://www.stripestatus.com", title: "Stripe", plugins: ["stripe"], confirmed: false },
  vercel: { kind: "statuspage", url: "https://www.vercel-status.com", title: "Vercel", plugins: ["deploys"], confirmed: false },
  render: { kind: "statuspage", url: "https://status.render.com", title: "Render", plugins: ["deploys"], confirmed: false },
  railway: { kind: "feed", url: "https://status.railway.com/feed.rss", title: "Railway", plugins: ["deploys"], confirmed: false },
  netlify: { kind: "statuspage", url: "https://www.netlifystatus.com", title: "Netlify", plugins: ["deploys"], confirmed: false },
  supabase: { kind: "statuspage", url: "https://status.supabase.com", title: "Supabase", plugins: ["supabase"], confirmed: false },
  sentry: { kind: "statuspage", url: "https://status.sentry.io", title: "Sentry", plugins: ["sentry"], confirmed: false },
  upstash: { kind: "statuspage", url: "https://status.upstash.com", title: "Upstash", plugins: ["redis"], confirmed: false },
  twilio: { kind: "statuspage", url: "https://status.twilio.com", title: "Twilio", plugins: [], confirmed: false },
  sendgrid: { kind: "statuspage", url: "https://status.sendgrid.com", title: "SendGrid", plugins: [], confirmed: false },
  cloudflare: { kind: "statuspage", url: "https://www.cloudflarestatus.com", title: "Cloudflare", plugins: [], confirmed: false },
  firebase: { kind: "google-cloud", url: "https://status.firebase.google.com/incidents.json", title: "Firebase", plugins: ["firestore", "backups"], confirmed: false },
  "google-cloud": { kind: "google-cloud", url: "https://status.cloud.google.com/incidents.json", title: "Google Cloud", plugins: ["firestore", "backups"], confirmed: true },
  "google-cloud-feed": { kind: "feed", url: "https://status.cloud.google.com/en/feed.atom", title: "Google Cloud (Atom feed)", plugins: ["firestore", "backups"], confirmed: true },
  paddle: { kind: "statuspage", url: "https://paddlestatus.com", title: "Paddle", plugins: ["paddle"], confirmed: false },
} as const satisfies Record<string, ProviderPreset>;

export type PresetName = keyof typeof PRESETS;
const PRESET_NAMES = Object.keys(PRESETS) as [PresetName, ...PresetName[]];

const ProviderObjectSchema = z
  .object({
    preset: z.enum(PRESET_NAMES).optional().describe("Start from a preset (stripe, vercel, render, railway, netlify, supabase, sentry, upstash, twilio, sendgrid, cloudflare, firebase, google-cloud, google-cloud-feed, paddle); the keys given here override it."),
    kind: z.enum(PROVIDER_KINDS).optional().describe("statuspage (Atlassian Statuspage's /api/v2/summary.json), google-cloud (an incidents.json feed like status.cloud.google.com's) or feed (RSS or Atom); required without a preset."),
    url: z.string().url().optional().describe("The status page's address: the page itself for statuspage (e.g. https://www.stripestatus.com), the incidents.json for google-cloud, the feed for feed; required without a preset."),
    components: z.array(z.string().min(1)).optional().describe("Components (Statuspage) or products (Google Cloud) to watch, by name as the page shows them; default all. The provider's status is the worst watched one's."),
    title: z.string().min(1).optional().describe("Name shown on widgets and timelines; default the preset's title or the provider's key."),
    plugins: z.array(z.string().min(1)).optional().describe("Plugins of ours that depend on this provider (an open incident linking one of them, or a runbook that names the provider, gets its incidents on the timeline); default the preset's."),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.preset) return;
    if (!p.kind) ctx.addIssue({ code: "custom", path: ["kind"], message: "is required without a preset (statuspage, google-cloud or feed)" });
    if (!p.url) ctx.addIssue({ code: "custom", path: ["url"], message: "is required without a preset" });
  });

export const ProviderSchema = z.union([z.enum(PRESET_NAMES).describe("A preset's name"), ProviderObjectSchema]);

export const StatuspageConfigSchema = z
  .object({
    providers: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "provider names are kebab-case"), ProviderSchema)
      .refine((r) => Object.keys(r).length > 0, "name at least one provider")
      .refine((r) => !("all" in r), "a provider may not be named all (statuspage.all is the table of every provider)")
      .describe("Providers by kebab-case name, each a probe statuspage.<name>: a preset's name (stripe: stripe) or { preset?, kind, url, components?, title?, plugins? }."),
    every: DurationSchema.default("2m").describe("How often each provider is fetched, whatever the number of viewers (conditional requests with ETag / If-Modified-Since)."),
    timeout: DurationSchema.default("10s").describe("How long one fetch may take before the provider reads as unknown."),
    maxBytes: z.number().int().min(1024).max(50_000_000).default(2_000_000).describe("Largest answer read from a provider, in bytes; a larger one is refused and the provider reads as unknown."),
    feedWindow: DurationSchema.default("24h").describe("For feed providers: how far back an entry that does not say resolved counts as an open incident."),
    alertOn: z
      .array(z.enum(["degraded_performance", "partial_outage", "major_outage", "under_maintenance"]))
      .default(["partial_outage", "major_outage"])
      .describe("Component states that raise an alert in the inbox (source statuspage), resolved when the component recovers."),
  })
  .strict();

export type StatuspageConfig = z.infer<typeof StatuspageConfigSchema>;

export interface ResolvedProvider {
  name: string;
  kind: ProviderKind;
  url: string;
  title: string;
  components: string[] | null;
  plugins: string[];
}

export function resolveProviders(config: Pick<StatuspageConfig, "providers">): ResolvedProvider[] {
  return Object.entries(config.providers).map(([name, p]) => {
    const o = typeof p === "string" ? { preset: p } : p;
    const preset: ProviderPreset | undefined = o.preset ? PRESETS[o.preset] : undefined;
    return {
      name,
      kind: (o.kind ?? preset!.kind) as ProviderKind,
      url: o.url ?? preset!.url,
      title: o.title ?? preset?.title ?? name,
      components: o.components?.length ? o.components : null,
      plugins: o.plugins ?? [...(preset?.plugins ?? [])],
    };
  });
}
