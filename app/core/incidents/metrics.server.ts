import client from "prom-client";
import { metrics } from "../metrics.server";

type IncidentMetrics = {
  declared: client.Counter<"severity">;
  entries: client.Counter<"type">;
};

let cached: { registry: client.Registry; m: IncidentMetrics } | undefined;

/** Incident metrics on the shared registry: incidents declared by severity, timeline entries written by type. */
export function incidentMetrics(): IncidentMetrics {
  const registry = metrics().registry;
  if (cached?.registry === registry) return cached.m;
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
  const m: IncidentMetrics = {
    declared: get("opsdeck_incidents_declared_total", () => new client.Counter({ name: "opsdeck_incidents_declared_total", help: "Incidents declared, by severity", labelNames: ["severity"] as const, registers: [registry] })),
    entries: get("opsdeck_incident_entries_total", () => new client.Counter({ name: "opsdeck_incident_entries_total", help: "Incident timeline entries written (notes, status changes, checklist ticks…), by type", labelNames: ["type"] as const, registers: [registry] })),
  };
  cached = { registry, m };
  return m;
}
