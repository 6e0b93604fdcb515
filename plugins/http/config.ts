import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";

export const HttpCheckSchema = z
  .object({
    title: z.string().optional().describe('Name shown on the overview; default "<method> <path>".'),
    url: z.string().url().describe("The health endpoint to request, e.g. https://shop.example/api/health. Shown without credentials or query string."),
    method: z.enum(["GET", "HEAD", "POST"]).default("GET").describe("HTTP method of the request."),
    headers: z.record(z.string(), secret(z.string())).default({}).describe("Request headers (name → value), e.g. an Authorization header; values are secrets, use ${ENV}."),
    expectStatus: z.number().int().min(100).max(599).default(200).describe("The status code that counts as healthy; any other is critical. Redirects are not followed."),
    expectJson: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .default({})
      .describe('Fields the JSON body must hold: dot path → expected value, e.g. { status: healthy, "supabase.url": configured }. A mismatch is critical.'),
    every: DurationSchema.default("1m").describe("How often the check runs (30s, 1m, 5m)."),
    timeout: DurationSchema.default("5s").describe("How long a request may take before the check reads unknown."),
    latency: z
      .object({
        warn: z.number().positive().optional().describe("Latency in ms above which the check warns, e.g. 800."),
        critical: z.number().positive().optional().describe("Latency in ms above which the check is critical, e.g. 2000."),
      })
      .strict()
      .default({})
      .describe("Latency thresholds in milliseconds."),
  })
  .strict();

export const HttpConfigSchema = z
  .object({
    checks: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "check names are kebab-case"), HttpCheckSchema)
      .default({})
      .describe("Health checks by kebab-case name; each becomes the probe http.<name>."),
  })
  .strict();
export type HttpConfig = z.infer<typeof HttpConfigSchema>;
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
