import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { freePort, stopChild, waitReady, type Logger } from "../plugin-api";


const run = promisify(execFile);

/** The apt command that installs what this plugin's demo and tests need. */
export const INSTALL_HINT = "apt-get install -y prometheus";

/** Debian's `prometheus` and `promtool`, from PATH (or PROMETHEUS_BIN / PROMTOOL_BIN); null when absent. */
export function findPrometheus(env: NodeJS.ProcessEnv = process.env): { prometheus: string; promtool: string } | null {
  const lookup = (name: string, override?: string) => {
    if (override) return fs.existsSync(override) ? override : null;
    for (const dir of (env.PATH ?? "/usr/bin:/bin").split(path.delimiter)) {
      const p = path.join(dir, name);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch {
        /* next */
      }
    }
    return null;
  };
  const prometheus = lookup("prometheus", env.PROMETHEUS_BIN);
  const promtool = lookup("promtool", env.PROMTOOL_BIN);
  return prometheus && promtool ? { prometheus, promtool } : null;
}


export interface ScrapeTarget {
  job: string;
  /** Full URL of the metrics endpoint, e.g. http://127.0.0.1:3000/metrics */
  url: string;
}

export interface PrivatePrometheus {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Folder for prometheus.yml, rules and the tsdb (created; the tsdb is emptied first). */
  dir: string;
  targets: ScrapeTarget[];
  scrapeInterval?: string;
  /** How often rules are evaluated; the scrape interval unless given (the demo's alerts turn faster). */
  evaluationInterval?: string;
  /** Alerting rules file content (YAML), optional. */
  rules?: string;
  /** OpenMetrics text loaded with `promtool tsdb create-blocks-from openmetrics` before start. */
  history?: string;
  log?: Logger;
  bins?: { prometheus: string; promtool: string };
  /** A port chosen by the caller (e.g. one already written into another server's config). */
  port?: number;
  /** Alertmanagers (`host:port`) that firing rules are sent to (`alerting.alertmanagers`). */
  alertmanagers?: string[];
  /**
   * Alertmanagers known only later (one started after this Prometheus): a file_sd file in `dir`
   * that Prometheus watches; fill it with writeAlertmanagersFile().
   */
  alertmanagersFile?: string;
}

/** Points a running Prometheus started with `alertmanagersFile` at these Alertmanagers (`host:port`); it notices within seconds. */
export function writeAlertmanagersFile(file: string, alertmanagers: string[]): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(alertmanagers.length ? [{ targets: alertmanagers }] : []));
  fs.renameSync(tmp, file);
}

function scrapeConfig(targets: ScrapeTarget[], interval: string, withRules: boolean, alertmanagers: string[] = [], alertmanagersFile?: string, evaluationInterval = interval): string {
  const lines = ["global:", `  scrape_interval: ${interval}`, `  evaluation_interval: ${evaluationInterval}`, `  scrape_timeout: ${interval}`];
  if (withRules) lines.push("rule_files:", "  - rules.yml");
  if (alertmanagers.length || alertmanagersFile) lines.push("alerting:", "  alertmanagers:");
  if (alertmanagers.length) lines.push("    - static_configs:", `        - targets: [${alertmanagers.map((a) => JSON.stringify(a)).join(", ")}]`);
  if (alertmanagersFile) lines.push("    - file_sd_configs:", `        - files: [${JSON.stringify(alertmanagersFile)}]`, "          refresh_interval: 10s");
  lines.push("scrape_configs:");
  for (const t of targets) {
    const u = new URL(t.url);
    lines.push(
      `  - job_name: ${JSON.stringify(t.job)}`,
      `    scheme: ${u.protocol.replace(":", "")}`,
      `    metrics_path: ${JSON.stringify(u.pathname || "/metrics")}`,
      `    static_configs:`,
      `      - targets: [${JSON.stringify(u.host)}]`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Loads OpenMetrics history into a tsdb folder (promtool writes 2 h blocks). */
export async function loadHistory(promtool: string, tsdbDir: string, openMetrics: string): Promise<void> {
  fs.mkdirSync(tsdbDir, { recursive: true });
  const file = path.join(path.dirname(tsdbDir), `history-${process.pid}-${Date.now()}.om`);
  fs.writeFileSync(file, openMetrics.endsWith("# EOF\n") ? openMetrics : `${openMetrics}# EOF\n`);
  try {
    await run(promtool, ["tsdb", "create-blocks-from", "openmetrics", file, tsdbDir], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/**
 * Starts Debian's prometheus as a private process on a free loopback port with its own config
 * and tsdb folder (never :9090, never a system service), and waits until it is ready.
 */
export async function startPrometheus(o: StartOptions): Promise<PrivatePrometheus> {
  const bins = o.bins ?? findPrometheus();
  if (!bins) throw new Error(`prometheus is not installed (${INSTALL_HINT})`);
  fs.mkdirSync(o.dir, { recursive: true });
  const tsdb = path.join(o.dir, "tsdb");
  fs.rmSync(tsdb, { recursive: true, force: true });
  if (o.history) await loadHistory(bins.promtool, tsdb, o.history);
  if (o.rules) fs.writeFileSync(path.join(o.dir, "rules.yml"), o.rules);
  const configFile = path.join(o.dir, "prometheus.yml");
  if (o.alertmanagersFile) writeAlertmanagersFile(o.alertmanagersFile, []);
  fs.writeFileSync(configFile, scrapeConfig(o.targets, o.scrapeInterval ?? "5s", !!o.rules, o.alertmanagers, o.alertmanagersFile, o.evaluationInterval));

  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = attempt === 0 && o.port ? o.port : await freePort();
    // Through a small shell that holds our stdin: when this process dies, even by SIGKILL, the pipe
    // closes and the shell stops prometheus, so no private server outlives its portal or test.
    const child = spawn(
      "/bin/sh",
      [
        "-c",
        '"$0" "$@" </dev/null & c=$!; trap \'kill $c 2>/dev/null; wait $c; exit 0\' TERM INT; cat >/dev/null; kill $c 2>/dev/null; wait $c',
        bins.prometheus,
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${tsdb}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--storage.tsdb.retention.time=30d",
        "--log.level=warn",
      ],
      { stdio: ["pipe", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const url = `http://127.0.0.1:${port}`;
    const ready = await waitReady(url, child, 30_000);
    if (ready) {
      o.log?.info({ url, dir: o.dir }, "private prometheus started");
      return { url, port, dataDir: tsdb, stop: () => stopChild(child) };
    }
    await stopChild(child);
    lastError = stderr.trim().split("\n").slice(-3).join(" | ");
  }
  throw new Error(`prometheus did not start: ${lastError || "not ready in time"}`);
}



/* ------------------------------------------------------------- OpenMetrics */

export interface HistorySeries {
  name: string;
  labels: Record<string, string>;
  /** [epoch seconds, value], in time order. */
  points: [number, number][];
}

/** OpenMetrics text for promtool's backfill; families are typed `unknown` so any name is kept as is. */
export function openMetrics(series: HistorySeries[]): string {
  const byName = new Map<string, HistorySeries[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const out: string[] = [];
  for (const [name, list] of byName) {
    out.push(`# TYPE ${name} unknown`);
    for (const s of list) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
        .join(",");
      for (const [t, v] of s.points) out.push(`${name}${labels ? `{${labels}}` : ""} ${v} ${t}`);
    }
  }
  out.push("# EOF");
  return out.join("\n") + "\n";
}
