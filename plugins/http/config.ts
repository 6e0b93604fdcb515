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

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

export const HttpServiceSchema = z
  .object({
    url: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), "an http(s) URL")
      .describe("Base URL the portal reads the service at, e.g. https://app.example.com. A runbook's host-less health path (GET /api/health, curl $APP_URL/api/health) is read here when its front matter says service: <name>."),
    hosts: z
      .array(z.string().regex(HOST, "a host name or host:port, no scheme or path"))
      .default([])
      .describe("Host names the runbooks write for this service (app.example.com) when the portal reaches it at another address: a health URL on one of them is read at url with the same path."),
  })
  .strict();

export const HttpConfigSchema = z
  .object({
    checks: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "check names are kebab-case"), HttpCheckSchema)
      .default({})
      .describe("Health checks by kebab-case name; each becomes the probe http.<name>."),
    services: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "service names are kebab-case"), HttpServiceSchema)
      .default({})
      .describe("Where each service of the runbooks answers, by the name their front matter gives (service: <name>); a deploys site of the same name is used when a service is not listed here."),
    defaultService: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .optional()
      .describe("The service a runbook without service: in its front matter means by a host-less health path; default the only entry of services when there is exactly one."),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.defaultService && !(c.defaultService in c.services)) ctx.addIssue({ code: "custom", path: ["defaultService"], message: `"${c.defaultService}" is not an entry of services` });
  });
export type HttpConfig = z.infer<typeof HttpConfigSchema>;
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
export type HttpService = z.infer<typeof HttpServiceSchema>;
