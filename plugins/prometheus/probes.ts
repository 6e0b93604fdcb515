import { parseDuration, probe, type ProbeDefinition, type ProbeReading, type Thresholds } from "../plugin-api";
import type { PromClient, QueryData } from "./client";
import { sampleValue } from "./client";
import type { PromQuery } from "./config";

export function formatNumber(v: number | null): string {
  if (v === null) return "no data";
  if (v !== 0 && Math.abs(v) < 0.001) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

export function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .filter(([k]) => k !== "__name__")
    .map(([k, v]) => `${k}="${v}"`);
  const name = labels.__name__ ?? "";
  return parts.length ? `${name}{${parts.join(", ")}}` : name || "{}";
}

/** Under "<" thresholds the lowest series is the worst one; otherwise the highest. */
function lowIsBad(t?: Thresholds): boolean {
  return [t?.critical, t?.warn].some((x) => x?.trim().startsWith("<"));
}

/**
 * One instant query as a reading: a scalar or a single series gives the value; several series
 * give a table (labels + value) and the worst value as the figure.
 */
export function instantReading(data: QueryData, unit: string | undefined, thresholds?: Thresholds): ProbeReading {
  const u = unit ? ` ${unit}` : "";
  if (data.resultType === "scalar") {
    const v = sampleValue(data.result[1]);
    return { value: v, summary: `${formatNumber(v)}${v === null ? "" : u}` };
  }
  if (data.resultType === "string") return { value: null, summary: data.result[1] };
  if (data.resultType === "matrix") {
    return { value: null, summary: `The query returns a range (${data.result.length} series); use an instant query here or ::chart for a range` };
  }
  const series = data.result.map((s) => ({ labels: s.metric, value: sampleValue(s.value[1]) }));
  if (series.length === 0) return { value: null, summary: "No data: the query matches no series" };
  const rows = series.map((s) => {
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.labels)) row[k] = v;
    row.value = s.value === null ? "NaN" : Number(s.value.toPrecision(6));
    return row;
  });
  if (series.length === 1) {
    const s = series[0]!;
    const labels = labelText(s.labels);
    return {
      value: s.value,
      summary: s.value === null ? `No data: the query gives NaN (no traffic in the window?)` : `${formatNumber(s.value)}${u}${labels !== "{}" ? ` · ${labels}` : ""}`,
      rows: labels !== "{}" ? rows : undefined,
    };
  }
  const known = series.filter((s) => s.value !== null) as { labels: Record<string, string>; value: number }[];
  if (!known.length) return { value: null, summary: `${series.length} series, all NaN`, rows };
  const low = lowIsBad(thresholds);
  const worst = known.reduce((a, b) => (low ? (b.value < a.value ? b : a) : b.value > a.value ? b : a));
  return {
    value: worst.value,
    summary: `${series.length} series; ${low ? "lowest" : "highest"} ${formatNumber(worst.value)}${u} · ${labelText(worst.labels)}`,
    rows,
  };
}

export function queryProbe(client: PromClient, name: string, q: PromQuery): ProbeDefinition {
  return probe({
    id: name,
    title: q.title ?? `PromQL: ${q.promql.length > 60 ? `${q.promql.slice(0, 57)}…` : q.promql}`,
    description: `PromQL on ${client.baseUrl}: ${q.promql}`,
    unit: q.unit,
    every: q.every,
    timeout: q.timeout,
    thresholds: q.thresholds,
    async read({ signal }) {
      // Prometheus gives up a little before the probe's own timeout, so its reason reaches the widget.
      const timeoutMs = q.timeout ? Math.max(50, Math.floor(parseDuration(q.timeout) * 0.8)) : undefined;
      const data = await client.query(q.promql, { signal, timeoutMs });
      return { ...instantReading(data, q.unit, q.thresholds), links: [graphLink(client, q.promql)] };
    },
  });
}

/** Prometheus' own graph page for a query, for "open in Prometheus". */
export function graphLink(client: PromClient, promql: string, range = "1h") {
  return { label: "Open in Prometheus", href: `${client.baseUrl}/graph?g0.expr=${encodeURIComponent(promql)}&g0.tab=0&g0.range_input=${range}` };
}

const CRITICAL_SEVERITIES = new Set(["critical", "page", "p1", "sev1"]);

function since(iso: string | undefined, now: Date): string {
  if (!iso) return "";
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d`;
}

/**
 * Firing and pending alerts from `/api/v1/alerts`, with since-when and labels, and links to the
 * runbooks that name each alert (`/alerts/<name>` finds them by front matter `alert:` or heading).
 */
export function alertsProbe(client: PromClient): ProbeDefinition {
  return probe({
    id: "alerts",
    title: "Prometheus alerts",
    description: `Firing and pending alerts on ${client.baseUrl}`,
    unit: "firing",
    every: "30s",
    thresholds: { warn: "> 0" },
    async read({ signal, now }) {
      const at = now();
      const alerts = (await client.alerts({ signal })).filter((a) => a.state === "firing" || a.state === "pending");
      alerts.sort((a, b) => (a.state === b.state ? Date.parse(a.activeAt ?? "") - Date.parse(b.activeAt ?? "") : a.state === "firing" ? -1 : 1));
      const firing = alerts.filter((a) => a.state === "firing");
      const pending = alerts.length - firing.length;
      const rows = alerts.map((a) => {
        const { alertname, ...labels } = a.labels;
        return {
          alert: alertname ?? "(unnamed)",
          state: a.state,
          since: a.activeAt ? `${a.activeAt.slice(0, 19).replace("T", " ")} UTC (${since(a.activeAt, at)})` : "",
          labels: Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(", "),
          summary: a.annotations?.summary ?? a.annotations?.description ?? "",
          value: a.value ? formatNumber(sampleValue(a.value)) : "",
        };
      });
      const names = [...new Set(alerts.map((a) => a.labels.alertname).filter(Boolean))] as string[];
      const links = names.map((n) => ({ label: `Runbooks for ${n}`, href: `/alerts/${encodeURIComponent(n)}` }));
      for (const a of alerts) {
        const u = a.annotations?.runbook_url;
        if (u && /^https?:\/\//.test(u) && !links.some((l) => l.href === u)) links.push({ label: `${a.labels.alertname ?? "alert"}: runbook_url`, href: u });
      }
      const critical = firing.some((a) => CRITICAL_SEVERITIES.has((a.labels.severity ?? "").toLowerCase()));
      const summary = alerts.length
        ? `${firing.length} firing${pending ? `, ${pending} pending` : ""}: ${names.join(", ")}`
        : "No alerts firing or pending";
      return { value: firing.length, summary, rows, links, ...(critical ? { status: "critical" as const } : {}) };
    },
  });
}

/** Demo mode without the prometheus binary: one probe that says how to enable the plugin. */
export function unavailableProbe(message: string): ProbeDefinition {
  return probe({
    id: "setup",
    title: "Prometheus (not running here)",
    every: "1h",
    async read() {
      return { value: null, status: "warn", summary: message };
    },
  });
}
