import client from "prom-client";
import { metrics } from "../metrics.server";

const KEY = Symbol.for("opsdeck.metrics.actions");
type ActionMetrics = {
  outcomes: client.Counter<"action" | "outcome">;
  auditFailures: client.Counter<string>;
  runSeconds: client.Histogram<"action" | "status">;
};

/** Counters for the guard pipeline, registered once in the shared registry. */
export function actionMetrics(): ActionMetrics {
  const g = globalThis as typeof globalThis & { [KEY]?: ActionMetrics };
  if (g[KEY]) return g[KEY];
  const registers = [metrics().registry];
  g[KEY] = {
    outcomes: new client.Counter({ name: "opsdeck_action_outcomes_total", help: "Guard pipeline outcomes by action", labelNames: ["action", "outcome"] as const, registers }),
    auditFailures: new client.Counter({ name: "opsdeck_audit_write_failures_total", help: "Audit appends that failed (the action was refused)", registers }),
    runSeconds: new client.Histogram({
      name: "opsdeck_action_run_seconds",
      help: "Action run duration",
      labelNames: ["action", "status"] as const,
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    }),
  };
  return g[KEY];
}
