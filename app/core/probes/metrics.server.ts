import client from "prom-client";
import { metrics } from "../metrics.server";

type ProbeMetrics = {
  reads: client.Counter<"plugin" | "outcome">;
  readSeconds: client.Histogram<"plugin">;
  samples: client.Counter<"status">;
  leader: client.Gauge;
};

let cached: { registry: client.Registry; m: ProbeMetrics } | undefined;

/** Probe metrics on the shared registry: upstream reads by outcome, read time, samples, leadership. */
export function probeMetrics(): ProbeMetrics {
  const registry = metrics().registry;
  if (cached?.registry === registry) return cached.m;
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
  const m: ProbeMetrics = {
    reads: get("opsdeck_probe_reads_total", () => new client.Counter({ name: "opsdeck_probe_reads_total", help: "Upstream probe reads by plugin and outcome", labelNames: ["plugin", "outcome"] as const, registers: [registry] })),
    readSeconds: get("opsdeck_probe_read_seconds", () => new client.Histogram({ name: "opsdeck_probe_read_seconds", help: "Upstream probe read time", labelNames: ["plugin"] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10], registers: [registry] })),
    samples: get("opsdeck_probe_samples_total", () => new client.Counter({ name: "opsdeck_probe_samples_total", help: "Probe samples stored by status", labelNames: ["status"] as const, registers: [registry] })),
    leader: get("opsdeck_probe_sampler_leader", () => new client.Gauge({ name: "opsdeck_probe_sampler_leader", help: "1 when this instance holds the sampling lock", registers: [registry] })),
  };
  cached = { registry, m };
  return m;
}
