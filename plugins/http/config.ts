import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";

export const HttpCheckSchema = z
  .object({
    title: z.string().optional(),
    url: z.string().url(),
    method: z.enum(["GET", "HEAD", "POST"]).default("GET"),
    headers: z.record(z.string(), secret(z.string())).default({}),
    expectStatus: z.number().int().min(100).max(599).default(200),
    /** dot path → expected value, e.g. { "status": "healthy", "supabase.url": "configured" } */
    expectJson: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
    every: DurationSchema.default("1m"),
    timeout: DurationSchema.default("5s"),
    latency: z.object({ warn: z.number().positive().optional(), critical: z.number().positive().optional() }).strict().default({}),
  })
  .strict();

export const HttpConfigSchema = z
  .object({ checks: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "check names are kebab-case"), HttpCheckSchema).default({}) })
  .strict();
export type HttpConfig = z.infer<typeof HttpConfigSchema>;
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
