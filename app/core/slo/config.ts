import { z } from "zod";

const SELECTOR = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$/;
const PromExpr = z
  .string()
  .trim()
  .min(1)
  .max(4000)
  .refine((v) => v.includes("$window") || SELECTOR.test(v), {
    message: 'must be a counter selector (e.g. webhook_events_total{status="error"}) or an expression with [$window], e.g. sum(increase(x_total[$window]))',
  });

/**
 * What counts as a good event. Prometheus: `good` or `errors`, and `total` (counters, or expressions
 * with `[$window]` in place of the range); a latency SLI: `histogram` and `threshold` (seconds, as the
 * bucket's `le` label is written); Sentry's transactions of a project or route (`sentry`: failure rate, or
 * p95 as the share within `threshold` ms); or a probe's own history (`probe`: its stored samples).
 */
export const SliSchema = z
  .object({
    good: PromExpr.optional().describe("Good events: a counter selector, or an expression with [$window]"),
    errors: PromExpr.optional().describe("Bad events, instead of good: a counter selector, or an expression with [$window]"),
    total: PromExpr.optional().describe("All events: a counter selector, or an expression with [$window]"),
    histogram: z.string().trim().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "must be a metric name without _bucket").optional().describe("Latency SLI: the histogram's name, e.g. http_request_duration_seconds"),
    threshold: z.union([z.number().positive(), z.string().trim().regex(/^\d+(\.\d+)?$/, "must be a number of seconds")]).optional().describe("Latency SLI: a bucket boundary in seconds, e.g. 0.5"),
    matchers: z.string().trim().regex(/^[^{}]*$/, 'must be label matchers without braces, e.g. route="/api"').optional().describe('Latency SLI: label matchers for the histogram, e.g. route="/api"'),
    probe: z.string().trim().regex(/^[a-z0-9][a-z0-9-]*\.[a-zA-Z0-9_.:-]+$/, "must be a probe id such as http.api").optional().describe("Availability from this probe's stored samples"),
    sentry: z
      .object({
        project: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be a Sentry project slug, e.g. shop-web").describe("The Sentry project's slug"),
        transaction: z.string().trim().min(1).max(500).optional().describe("One route as Sentry names the transaction, e.g. /api/stripe/webhook (a trailing * matches a prefix); default all"),
        metric: z.enum(["failure_rate", "p95"]).describe("failure_rate: a failed transaction is bad; p95: one slower than threshold is bad"),
        threshold: z.number().positive().optional().describe("p95 only: milliseconds, e.g. 500"),
      })
      .strict()
      .superRefine((v, ctx) => {
        if (v.metric === "p95" && v.threshold === undefined) ctx.addIssue({ code: "custom", path: ["threshold"], message: "a p95 SLI needs threshold (milliseconds)" });
        if (v.metric === "failure_rate" && v.threshold !== undefined) ctx.addIssue({ code: "custom", path: ["threshold"], message: "threshold applies to metric p95 only" });
      })
      .optional()
      .describe("Sentry's transactions: failure rate or p95 latency of a project or route"),
  })
  .strict()
  .superRefine((s, ctx) => {
    const ratio = !!(s.good || s.errors || s.total);
    const latency = !!(s.histogram || s.threshold !== undefined);
    const kinds = [ratio, latency, !!s.probe, !!s.sentry].filter(Boolean).length;
    if (kinds !== 1) ctx.addIssue({ code: "custom", message: "give one SLI: good/errors with total, histogram with threshold, sentry, or probe" });
    if (ratio && (!s.total || !!s.good === !!s.errors)) ctx.addIssue({ code: "custom", message: "a ratio SLI needs total and one of good or errors" });
    if (latency && (!s.histogram || s.threshold === undefined)) ctx.addIssue({ code: "custom", message: "a latency SLI needs histogram and threshold" });
  });
export type Sli = z.output<typeof SliSchema>;

export const SloSchema = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    objective: z.number().gt(0).lt(100).describe("Target share of good events in percent, e.g. 99.9"),
    window: z.enum(["28d", "30d"]).default("30d").describe("The budget's rolling window"),
    sli: SliSchema,
    minEvents: z.number().int().min(0).default(50).describe("Fewer events than this in a condition's long window: the condition does not fire, and says so"),
    owner: z.string().trim().max(200).optional(),
    runbook: z.string().trim().regex(/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/, "must be a runbook path without .md").optional().describe("Runbook linked from the SLO's alerts"),
    severity: z.object({ page: z.string().default("critical"), ticket: z.string().default("warning") }).strict().default({ page: "critical", ticket: "warning" }),
  })
  .strict();
export type SloConfig = z.output<typeof SloSchema>;

export const SlosConfigSchema = z
  .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be kebab-case"), SloSchema)
  .default({})
  .describe("Service level objectives: slos.<name>");
