import fs from "node:fs/promises";
import { probe, type ProbeDefinition } from "../../plugin-api";
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
