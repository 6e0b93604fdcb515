import path from "node:path";
import type { DoctorCheck, Logger, PluginDefinition } from "../../../plugins/plugin-api";
import { doctorMessage } from "../../../plugins/plugin-api-doctor";
import { createScrubber } from "../secrets/index.server";

export type { DoctorCheck };

export interface DoctorPluginReport {
  id: string;
  title: string;
  status: "ok" | "problem";
  checks: DoctorCheck[];
}

export interface DoctorReport {
  /** "demo": the portal runs its sandboxes (the checks are of those); "configured": the team's systems. */
  mode: "configured" | "demo";
  /** A sentence for the reader when there was nothing of the team's to check. */
  note?: string;
  plugins: DoctorPluginReport[];
}

export interface RunDoctorOptions {
  installed: readonly PluginDefinition[];
  /** Validated config per plugin to check, by id. */
  configs: Record<string, unknown>;
  /** Every secret of the portal: no detail leaves with one. */
  secrets: readonly string[];
  dataDir: string;
  log: Logger;
  env: Record<string, string | undefined>;
  mode: DoctorReport["mode"];
  /** Time for one plugin's checks (default 20 s). */
  timeoutMs?: number;
}

/** Runs every configured plugin's read-only checks, side by side; a plugin whose doctor throws or hangs is a problem named as such. */
export async function runDoctor(opts: RunDoctorOptions): Promise<DoctorReport> {
  const scrubber = createScrubber(opts.secrets);
  const configured = opts.installed.filter((p) => p.id in opts.configs && p.doctor);
  const plugins = await Promise.all(
    configured.map(async (plugin): Promise<DoctorPluginReport> => {
      const signal = AbortSignal.timeout(opts.timeoutMs ?? 20_000);
      let checks: DoctorCheck[];
      try {
        checks = await Promise.race([
          plugin.doctor!({ config: opts.configs[plugin.id], log: opts.log, signal, dataDir: path.join(opts.dataDir, "plugins", plugin.id), scrubber, env: opts.env }),
          new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Error(`no answer within ${Math.round((opts.timeoutMs ?? 20_000) / 1000)} s`)), { once: true })),
        ]);
      } catch (err) {
        checks = [{ name: "self-check", ok: false, detail: doctorMessage(err), fix: `see the plugins.${plugin.id} section of the config and docs/plugins/${plugin.id}.md` }];
      }
      checks = checks.map((c) => ({ name: scrubber.text(c.name), ok: c.ok, detail: scrubber.text(c.detail), ...(c.fix ? { fix: scrubber.text(c.fix) } : {}) }));
      return { id: plugin.id, title: plugin.title, status: checks.every((c) => c.ok) ? "ok" : "problem", checks };
    }),
  );
  return { mode: opts.mode, plugins };
}

/** Exit status of the CLI: 1 when a configured plugin cannot work. */
export function doctorFailed(report: DoctorReport): boolean {
  return report.plugins.some((p) => p.status === "problem");
}

/** The report as the terminal shows it: one line per check, the fix under a problem. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];
  if (report.note) lines.push(report.note, "");
  for (const p of report.plugins) {
    lines.push(`${p.status === "ok" ? "ok     " : "PROBLEM"} ${p.id} (${p.title})`);
    for (const c of p.checks) {
      lines.push(`  ${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`);
      if (!c.ok && c.fix) lines.push(`      fix: ${c.fix}`);
    }
  }
  const bad = report.plugins.filter((p) => p.status === "problem").length;
  lines.push("", bad ? `${bad} of ${report.plugins.length} configured plugin(s) cannot work as configured.` : `${report.plugins.length} configured plugin(s) checked: all ok.`);
  return lines.join("\n");
}

/** The JSON the issue names: `{ plugins: [{ id, status, checks: [{ name, ok, detail, fix }] }] }`. */
export function doctorJson(report: DoctorReport) {
  return {
    mode: report.mode,
    ...(report.note ? { note: report.note } : {}),
    plugins: report.plugins.map((p) => ({ id: p.id, status: p.status, checks: p.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, fix: c.fix ?? null })) })),
  };
}
