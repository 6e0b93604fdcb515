import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";

export const PRESET_NAMES = ["http-latency", "stripe-webhooks", "checkout", "billing"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PromQueryThresholdsSchema = z
  .object({
    warn: z.string().optional().describe('When the figure warns, e.g. "> 0.3" or "> 2 for 10m".'),
    critical: z.string().optional().describe('When the figure is critical, e.g. "> 5" or "< 1 for 5m".'),
  })
  .strict();

/** One configured PromQL probe (`plugins.prometheus.queries.<name>`). */
export const PromQuerySchema = z
  .object({
    title: z.string().optional().describe("Name shown on the overview; default the query name."),
    promql: z.string().trim().min(1, "promql must not be empty").describe("The PromQL expression, e.g. histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))."),
    unit: z.string().optional().describe('Shown beside the value: "s", "ms", "%", "/min", "events"…'),
    thresholds: PromQueryThresholdsSchema.default({}).describe("Status thresholds on the value (the worst series when there are several)."),
    every: DurationSchema.default("1m").describe("How often the query runs."),
    timeout: DurationSchema.optional().describe("This query's timeout; Prometheus is asked to give up at 80% of it so its reason reaches the widget."),
  })
  .strict();
export type PromQuery = z.infer<typeof PromQuerySchema>;

export const PrometheusConfigSchema = z
  .object({
    url: z.string().url().describe("Base URL of the Prometheus server, e.g. http://prometheus:9090 (a path prefix is kept)."),
    bearerToken: secret(z.string().min(1)).optional().describe("Sent as Authorization: Bearer …; e.g. a Grafana Cloud or reverse-proxy token."),
    basicAuth: z
      .object({
        username: z.string().min(1).describe("Basic auth user name."),
        password: secret(z.string().describe("Basic auth password, e.g. ${PROMETHEUS_PASSWORD}.")),
      })
      .strict()
      .optional()
      .describe("HTTP basic auth in front of Prometheus (web.yml basic_auth_users or a proxy); not with bearerToken."),
    timeout: DurationSchema.default("10s").describe("Per request: sent to Prometheus as its query `timeout` and enforced on our side."),
    queries: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "query names are kebab-case"), PromQuerySchema)
      .default({})
      .describe("PromQL probes by kebab-case name; each becomes prometheus.<name>."),
    presets: z.array(z.enum(PRESET_NAMES)).default([]).describe("Ready-made panels to add as probes; a query of the same name wins."),
    alerts: z.boolean().default(true).describe("Whether to add the firing/pending alerts probe (prometheus.alerts)."),
    unavailable: z.string().optional().describe("Set by demo mode only, when no prometheus binary is installed: the overview says how to get one."),
  })
  .strict()
  .refine((c) => !(c.bearerToken && c.basicAuth), { message: "give either bearerToken or basicAuth, not both", path: ["basicAuth"] });
export type PrometheusConfig = z.infer<typeof PrometheusConfigSchema>;
