import { probe, type ProbeDefinition, type ProbeReading, type ProbeStatus } from "../plugin-api";
import type { CheckResult, ServiceVerdicts } from "./check";
import { RULE_WORDS, type Verdict } from "./rules";

/** Problems that break the app now are critical; "rotated but not redeployed" and hygiene a warning. */
const WARN_ONLY = new Set(["redeployAfterChange", "noQuotes"]);

function statusOf(verdicts: Verdict[]): ProbeStatus {
  const problems = verdicts.filter((v) => v.verdict === "problem");
  if (!problems.length) return "ok";
  return problems.every((p) => WARN_ONLY.has(p.rule)) ? "warn" : "critical";
}

function row(v: Verdict, link: string | null, service?: string): Record<string, unknown> {
  return { ...(service ? { service } : {}), name: v.name, rule: RULE_WORDS[v.rule], verdict: v.verdict, detail: v.detail, link };
}

export function serviceReading(s: ServiceVerdicts): ProbeReading {
  if (s.error) throw new Error(s.error);
  const order = { problem: 0, unknown: 1, ok: 2 } as const;
  const verdicts = [...s.verdicts].sort((a, b) => order[a.verdict] - order[b.verdict]);
  const problems = verdicts.filter((v) => v.verdict === "problem");
  const unknown = verdicts.filter((v) => v.verdict === "unknown").length;
  const summary = problems.length
    ? `${s.title}: ${problems.length} problem${problems.length === 1 ? "" : "s"}: ${problems.map((p) => p.detail).join("; ")}`
    : `${s.title}: ${verdicts.length - unknown} checks ok${unknown ? `, ${unknown} not judged` : ""}`;
  return {
    value: problems.length,
    status: statusOf(verdicts),
    summary,
    rows: verdicts.map((v) => row(v, s.settingsUrl)),
    links: s.settingsUrl ? [{ label: `${s.title} environment variables`, href: s.settingsUrl }] : [],
  };
}

export function serviceProbe(name: string, title: string, every: string, timeout: string, read: () => Promise<CheckResult>): ProbeDefinition {
  return probe({
    id: name,
    title: `${title} environment`,
    description: `The environment variables of ${title} checked against their rules; values are never shown.`,
    unit: "problems",
    every,
    timeout,
    thresholds: { warn: "> 0" },
    async read() {
      const r = await read();
      return serviceReading(r.services.find((s) => s.service === name)!);
    },
  });
}

export function consistencyProbe(every: string, timeout: string, read: () => Promise<CheckResult>): ProbeDefinition {
  return probe({
    id: "consistency",
    title: "Environment consistency",
    description: "Cross-service rules: a variable that must equal another service's (sameAs) or a configured portal secret (matches), compared by fingerprint.",
    unit: "problems",
    every,
    timeout,
    thresholds: { warn: "> 0" },
    async read() {
      const r = await read();
      const problems = r.consistency.filter((v) => v.verdict === "problem");
      const link = (svc: string) => r.services.find((s) => s.service === svc)?.settingsUrl ?? null;
      return {
        value: problems.length,
        status: statusOf(r.consistency),
        summary: r.consistency.length
          ? problems.length
            ? `${problems.length} mismatch${problems.length === 1 ? "" : "es"}: ${problems.map((p) => p.detail).join("; ")}`
            : `${r.consistency.length} cross-service rules hold`
          : "no cross-service rules configured",
        rows: r.consistency.map((v) => row(v, link(v.service), v.service)),
      };
    },
  });
}
