import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";

export const PRESET_NAMES = ["http-latency", "stripe-webhooks", "checkout", "billing"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PromQueryThresholdsSchema = z.object({ warn: z.string().optional(), critical: z.string().optional() }).strict();

/** One configured PromQL probe (`plugins.prometheus.queries.<name>`). */
export const PromQuerySchema = z
  .object({
    title: z.string().optional(),
    promql: z.string().trim().min(1, "promql must not be empty"),
    /** Shown beside the value: "s", "ms", "%", "/min", "events"… */
    unit: z.string().optional(),
    thresholds: PromQueryThresholdsSchema.default({}),
    every: DurationSchema.default("1m"),
    timeout: DurationSchema.optional(),
  })
  .strict();
export type PromQuery = z.infer<typeof PromQuerySchema>;

export const PrometheusConfigSchema = z
  .object({
    /** Base URL of the Prometheus server, e.g. http://prometheus:9090 (a path prefix is kept). */
    url: z.string().url(),
    bearerToken: secret(z.string().min(1)).optional(),
    basicAuth: z.object({ username: z.string().min(1), password: secret(z.string()) }).strict().optional(),
    /** Per request: sent to Prometheus as its query `timeout` and enforced on our side. */
    timeout: DurationSchema.default("10s"),
    queries: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "query names are kebab-case"), PromQuerySchema).default({}),
    presets: z.array(z.enum(PRESET_NAMES)).default([]),
    /** The firing/pending alerts probe (`prometheus.alerts`). */
    alerts: z.boolean().default(true),
    /** Set by demo mode when no prometheus binary is installed: the overview says how to get one. */
    unavailable: z.string().optional(),
  })
  .strict()
  .refine((c) => !(c.bearerToken && c.basicAuth), { message: "give either bearerToken or basicAuth, not both", path: ["basicAuth"] });
export type PrometheusConfig = z.infer<typeof PrometheusConfigSchema>;
