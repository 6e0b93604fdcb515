import { z } from "zod";
import { secret } from "../plugin-api";

const common = {
  title: z.string().optional().describe("Name shown on the overview; default the site name."),
  token: secret(z.string().min(8, "the provider's API token").describe("The provider's API token (see the token kinds above), e.g. ${VERCEL_TOKEN}.")),
  apiBase: z.string().url().optional().describe("The provider's API base URL; set only for a sandbox or a proxy."),
  recent: z.number().int().min(1).max(50).default(10).describe("How many recent deployments deploys.<site>-recent shows."),
};

export const SiteSchema = z.discriminatedUnion("provider", [
  z
    .object({
      provider: z.literal("vercel").describe("Where the site is deployed: vercel, netlify, render or railway."),
      projectId: z.string().min(1).describe("Vercel: the project id (prj_…); Railway: the project id."),
      teamId: z.string().optional().describe("Vercel: the team id (team_…) when the project belongs to a team."),
      ...common,
    })
    .strict(),
  z.object({ provider: z.literal("netlify"), siteId: z.string().min(1).describe("Netlify: the site id (API ID in Site settings)."), ...common }).strict(),
  z
    .object({
      provider: z.literal("render"),
      serviceId: z.string().regex(/^srv-/, "Render service ids start with srv-").describe("Render: the service id (srv-…); Railway: the service id."),
      ...common,
    })
    .strict(),
  z
    .object({
      provider: z.literal("railway"),
      projectId: z.string().min(1),
      serviceId: z.string().min(1),
      environmentId: z.string().min(1).describe("Railway: the environment id (production's)."),
      tokenKind: z
        .enum(["account", "workspace", "team", "project"])
        .default("account")
        .describe(
          "Railway: which kind of token `token` is. account, workspace (team is its former name): sent as Authorization: Bearer; project (Project settings → Tokens, one environment): sent as Project-Access-Token.",
        ),
      ...common,
    })
    .strict(),
]);

export const DeploysConfigSchema = z
  .object({
    sites: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "site names are kebab-case"), SiteSchema)
      .default({})
      .describe("Deployed sites by kebab-case name, one provider each; each gives the deploys.<site>-… probes."),
    followFor: z.string().default("10m").describe("How long a rollback, redeploy or restart run follows the provider before giving up waiting, e.g. 10m."),
  })
  .strict();

export type DeploysConfig = z.infer<typeof DeploysConfigSchema>;
export type SiteConfig = z.infer<typeof SiteSchema>;
