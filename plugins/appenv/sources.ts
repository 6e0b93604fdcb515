import fs from "node:fs/promises";
import type { DeploysService } from "../deploys/api";
import type { ServiceConfig } from "./config";
import type { ReadVariable } from "./rules";

/** One read of a service's variables; the values live only as long as the check that asked. */
export interface EnvRead {
  vars: Map<string, ReadVariable>;
  /** The platform's settings page for the variables; null for the portal's own process or a file. */
  settingsUrl: string | null;
  /** When the serving deployment was built (redeployAfterChange compares with it); null when not known. */
  deployedAt: number | null;
  environment: string;
}

export type EnvSource = (signal: AbortSignal) => Promise<EnvRead>;

export function sourceFor(service: string, cfg: ServiceConfig, deploys: DeploysService | undefined): EnvSource {
  const src = cfg.source;
  if ("site" in src) {
    const environment = cfg.environment ?? src.environment;
    return async (signal) => {
      if (!deploys) throw new Error(`appenv.${service}: the deploys plugin is not configured, so deploy site "${src.site}" cannot be read`);
      if (!deploys.envVars) throw new Error(`appenv.${service}: this deploys plugin cannot read environment variables`);
      if (!deploys.sites().includes(src.site)) throw new Error(`appenv.${service}: no deploy site "${src.site}" (plugins.deploys.sites)`);
      const [env, current] = await Promise.all([deploys.envVars(src.site, { environment: src.environment, signal }), deploys.current(src.site, signal)]);
      const vars = new Map<string, ReadVariable>();
      for (const v of env.vars) vars.set(v.name, { value: v.value, updatedAt: v.updatedAt, unreadable: v.unreadable });
      return { vars, settingsUrl: env.settingsUrl, deployedAt: current?.createdAt ?? null, environment };
    };
  }
  const environment = cfg.environment ?? "production";
  if ("process" in src) {
    const startedAt = Date.now() - Math.round(process.uptime() * 1000);
    return async () => {
      const vars = new Map<string, ReadVariable>();
      for (const [name, value] of Object.entries(process.env)) if (value !== undefined) vars.set(name, { value, updatedAt: null });
      return { vars, settingsUrl: null, deployedAt: startedAt, environment };
    };
  }
  return async () => {
    const [text, stat] = await Promise.all([fs.readFile(src.dotenv, "utf8"), fs.stat(src.dotenv)]).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`appenv.${service}: cannot read ${src.dotenv} (${err.code ?? "error"})`);
    });
    const vars = new Map<string, ReadVariable>();
    for (const [name, value] of parseDotenv(text)) vars.set(name, { value, updatedAt: stat.mtimeMs });
    return { vars, settingsUrl: null, deployedAt: null, environment };
  };
}

/**
 * Dotenv as the dotenv package reads it: `NAME=value`, `export NAME=value`, comments, one pair of
 * matching quotes removed (double quotes expand \n), an unquoted value cut at ` #`. What is left
 * (a second pair of quotes, spaces inside quotes) is the value the app gets, and is checked.
 */
export function parseDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*("(?:\\.|[^"\\])*"|'[^']*'|`[^`]*`|[^\n]*)\s*$/gm;
  for (const m of text.matchAll(re)) {
    let value = m[2] ?? "";
    const first = value[0];
    if ((first === '"' || first === "'" || first === "`") && value.endsWith(first) && value.length >= 2) {
      value = value.slice(1, -1);
      if (first === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    out.set(m[1]!, value);
  }
  return out;
}
