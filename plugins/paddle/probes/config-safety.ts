import fs from "node:fs/promises";
import type { AppenvService } from "../../appenv/api";
import { probe, type ProbeDefinition, type ProbeStatus } from "../../plugin-api";
import type { AppEnv } from "../config";

/** dotenv lines `NAME=value` (quotes, `export` and comments allowed). Values stay inside this module. */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, "");
    out.set(m[1]!, v);
  }
  return out;
}

const TRUE = new Set(["1", "true", "yes", "on"]);

/** Findings by variable name only: no value is ever part of the answer. */
export function checkAppEnv(env: Map<string, string>, spec: AppEnv): { name: string; problem: string }[] {
  const problems: { name: string; problem: string }[] = [];
  for (const name of spec.required) if (!env.get(name)?.trim()) problems.push({ name, problem: "required and missing or empty" });
  const production = (env.get(spec.environmentVariable) ?? "").trim().toLowerCase() === "production";
  const bypass = TRUE.has((env.get(spec.bypassFlag) ?? "").trim().toLowerCase());
  if (bypass && production) problems.push({ name: spec.bypassFlag, problem: `set while ${spec.environmentVariable} is production: webhook signatures are not checked` });
  return problems;
}

const PADDLE_VARIABLE = (name: string) => /PADDLE/.test(name);

/**
 * With the appenv plugin: its verdicts on the Paddle variables of every checked service (the paddle
 * preset's required names, NEXT_PUBLIC_PADDLE_ENV, the bypass flag forbidden in production), read
 * from the platforms where the app runs. The dotenv file below is the fallback without appenv.
 */
export function configSafetyThroughAppenv(appenv: AppenvService): ProbeDefinition {
  return probe({
    id: "config-safety",
    title: "Paddle settings of the app",
    description: "The Paddle variables of each service the appenv plugin checks (required, production-only values, the signature bypass flag); names and verdicts only.",
    unit: "problems",
    thresholds: { critical: "> 0" },
    async read() {
      const services = await appenv.verdicts(PADDLE_VARIABLE);
      const unread = services.filter((s) => s.error);
      const rows = services.flatMap((s) => s.verdicts.map((v) => ({ service: s.title, name: v.name, rule: v.rule, verdict: v.verdict, problem: v.detail })));
      const problems = rows.filter((r) => r.verdict === "problem");
      if (!rows.length && !unread.length) return { value: null, status: "unknown", summary: 'No service checked by appenv has Paddle rules; add the "paddle" preset to the service that runs the Paddle integration' };
      const status: ProbeStatus | undefined = !problems.length && unread.length ? "unknown" : undefined;
      const summary = [
        problems.length ? problems.map((p) => `${p.service}: ${p.problem}`).join("; ") : rows.length ? `${rows.length} Paddle checks ok across ${new Set(rows.map((r) => r.service)).size} service(s)` : "",
        unread.length ? `could not read ${unread.map((s) => s.title).join(", ")}` : "",
      ].filter(Boolean).join("; ");
      return { value: problems.length, ...(status ? { status } : {}), summary, rows: problems.length ? problems : rows, links: services.filter((s) => s.settingsUrl).map((s) => ({ label: `${s.title} environment variables`, href: s.settingsUrl! })) };
    },
  });
}

export function configSafety(spec: AppEnv): ProbeDefinition {
  return probe({
    id: "config-safety",
    title: "Paddle settings of the app",
    description: `Required variables present in the app's environment, and ${spec.bypassFlag} not set in production (names only).`,
    unit: "problems",
    thresholds: { critical: "> 0" },
    async read() {
      let text: string;
      try {
        text = await fs.readFile(spec.envFile, "utf8");
      } catch (err) {
        return { value: null, status: "unknown", summary: `The app's environment file cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})` };
      }
      const problems = checkAppEnv(parseEnvFile(text), spec);
      return {
        value: problems.length,
        summary: problems.length ? problems.map((p) => `${p.name}: ${p.problem}`).join("; ") : `All ${spec.required.length} required variables set; ${spec.bypassFlag} off in production`,
        rows: problems,
      };
    },
  });
}
