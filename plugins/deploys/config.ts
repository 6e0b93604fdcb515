import { z } from "zod";
import { secret } from "../plugin-api";

const common = {
  title: z.string().optional(),
  token: secret(z.string().min(8, "the provider's API token")),
  /** The provider's API base; set for a sandbox or a proxy. */
  apiBase: z.string().url().optional(),
  /** How many recent deployments the list probe shows. */
  recent: z.number().int().min(1).max(50).default(10),
};

export const SiteSchema = z.discriminatedUnion("provider", [
  z.object({ provider: z.literal("vercel"), projectId: z.string().min(1), teamId: z.string().optional(), ...common }).strict(),
  z.object({ provider: z.literal("netlify"), siteId: z.string().min(1), ...common }).strict(),
  z.object({ provider: z.literal("render"), serviceId: z.string().regex(/^srv-/, "Render service ids start with srv-"), ...common }).strict(),
  z.object({ provider: z.literal("railway"), projectId: z.string().min(1), serviceId: z.string().min(1), environmentId: z.string().min(1), ...common }).strict(),
]);

export const DeploysConfigSchema = z
  .object({
    sites: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "site names are kebab-case"), SiteSchema).default({}),
    /** How long a rollback is followed before the run gives up waiting. */
    followFor: z.string().default("10m"),
  })
  .strict();

export type DeploysConfig = z.infer<typeof DeploysConfigSchema>;
export type SiteConfig = z.infer<typeof SiteSchema>;
