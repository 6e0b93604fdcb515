import client from "prom-client";

const GLOBAL_KEY = Symbol.for("opsdeck.metrics");
type Metrics = {
  registry: client.Registry;
  httpDuration: client.Histogram<"method" | "route" | "status">;
  /** Seq of the newest signed audit checkpoint this process wrote or found at start: an outside system pins it. */
  auditHeadSeq: client.Gauge;
};

function create(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "opsdeck_" });
  const httpDuration = new client.Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration in seconds",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const auditHeadSeq = new client.Gauge({
    name: "opsdeck_audit_head_seq",
    help: "Sequence number of the newest audit entry covered by a signed checkpoint (the checkpoint's hash is in the log line 'audit head signed')",
    registers: [registry],
  });
  return { registry, httpDuration, auditHeadSeq };
}

/** One registry per process, shared by every feature that adds its own metrics. */
export function metrics(): Metrics {
  const g = globalThis as typeof globalThis & { [GLOBAL_KEY]?: Metrics };
  return (g[GLOBAL_KEY] ??= create());
}

/** Low-cardinality route label: "/runbooks/:path" rather than each runbook. */
export function routeLabel(pathname: string): string {
  const parts = pathname.split("/").filter(Boolean);
  if (parts.length === 0) return "/";
  if (parts[0] === "build" || parts[0] === "assets") return `/${parts[0]}/*`;
  if (parts[0] === "api") return parts.length > 2 ? `/api/${parts[1]}/:id${parts.length > 3 ? "/*" : ""}` : `/api/${parts[1] ?? ""}`;
  return parts.length > 1 ? `/${parts[0]}/*` : `/${parts[0]}`;
}
