import type { PluginRegistry } from "../plugins/registry.server";
import { promqlService } from "../probes/promql.server";
import { parseThreshold } from "../probes/thresholds.server";
import type { LintProblem } from "~/lib/runbook";
import { loadRunbook } from "./runbooks.server";
import { scanRunbooks } from "./source.server";

/** Whether a directive names a PromQL query rather than a probe. */
export function isPromqlDirective(name: string, attrs: Record<string, string>): boolean {
  return name !== "action" && !attrs.probe && attrs.promql !== undefined;
}

/** Brackets and quotes out of balance: the commonest PromQL typo, caught without a server. */
function balanceProblem(q: string): string | null {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  let quote: string | null = null;
  for (let i = 0; i < q.length; i++) {
    const c = q[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "(" || c === "[" || c === "{") stack.push(c);
    else if (c in pairs) {
      if (stack.pop() !== pairs[c]) return `unbalanced "${c}" at character ${i + 1}`;
    }
  }
  if (quote) return `unclosed ${quote} quote`;
  if (stack.length) return `unclosed "${stack[stack.length - 1]}"`;
  return null;
}

/** Problems of one PromQL directive that need no server: plugin enabled, query shape, thresholds. */
export function promqlDirectiveProblems(name: string, attrs: Record<string, string>, registry: PluginRegistry): string[] {
  const problems: string[] = [];
  const where = `::${name}{promql}`;
  if (!promqlService(registry)) problems.push(`${where}: no enabled plugin runs PromQL (configure plugins.prometheus)`);
  const q = attrs.promql?.trim() ?? "";
  if (!q) problems.push(`${where}: the query is empty`);
  else {
    const b = balanceProblem(q);
    if (b) problems.push(`${where}: ${b} in "${q}"`);
  }
  for (const key of ["warn", "critical"] as const) {
    if (attrs[key] === undefined) continue;
    try {
      parseThreshold(attrs[key]!);
    } catch (err) {
      problems.push(`${where}: ${key}="${attrs[key]}": ${(err as Error).message}`);
    }
  }
  return problems;
}

/**
 * Runs every PromQL directive's query once against Prometheus and reports its own parse or
 * execution error (`bad_data: 1:13: parse error: …`). Skipped, with a note, when Prometheus is
 * unavailable by design (demo mode without the binary).
 */
export async function checkPromqlLive(dir: string, registry: PluginRegistry): Promise<{ problems: LintProblem[]; note?: string }> {
  const service = promqlService(registry);
  if (!service) return { problems: [] };
  const found: { file: string; line: number; promql: string }[] = [];
  for (const f of scanRunbooks(dir)) {
    for (const d of loadRunbook(f, { keep: false }).rendered.directives) {
      if (!d.problem && isPromqlDirective(d.name, d.attributes) && d.attributes.promql?.trim()) found.push({ file: f.file, line: d.line, promql: d.attributes.promql.trim() });
    }
  }
  if (!found.length) return { problems: [] };
  if (service.unavailable) return { problems: [], note: `PromQL queries not run against a server (${service.unavailable})` };
  const problems: LintProblem[] = [];
  const seen = new Map<string, Promise<string | null>>();
  // A Prometheus that is still starting (demo mode starts it in the background) gets 30 s.
  const until = Date.now() + 30_000;
  const check = async (promql: string): Promise<string | null> => {
    for (;;) {
      try {
        return await service.check(promql, AbortSignal.timeout(15_000));
      } catch (err) {
        const message = (err as Error).message;
        if (!message.startsWith("network:") || Date.now() > until) return `could not be checked: ${message}`;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  for (const f of found) {
    if (!seen.has(f.promql)) seen.set(f.promql, check(f.promql));
    const problem = await seen.get(f.promql)!;
    if (problem) problems.push({ file: f.file, line: f.line, message: `PromQL "${f.promql}": ${problem}` });
  }
  return { problems };
}
