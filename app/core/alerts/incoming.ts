/** One alert as a receiver hands it to the store, whatever its source. */
export interface IncomingAlert {
  fingerprint: string;
  name: string;
  status: "firing" | "resolved";
  severity: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  summary: string;
  startsAt: number;
  endsAt: number | null;
  generatorURL: string | null;
}

/** `statuspage`, `slo`: internal sources (providers' status pages, burn rates), raised through raiseInternalAlerts(). */
export type AlertSource = "alertmanager" | "grafana" | "sentry" | "webhook" | "probe" | "statuspage" | "slo";

/** Bounds on what one request may carry; past them the request is refused (400), never cut silently. */
export const LIMITS = {
  alertsPerRequest: 1000,
  labels: 64,
  annotations: 32,
  labelName: 100,
  labelValue: 1000,
  annotationValue: 8000,
  name: 300,
  fingerprint: 200,
  summary: 2000,
} as const;
