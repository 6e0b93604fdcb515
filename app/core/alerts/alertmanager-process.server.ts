import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { freePort, stopChild, waitReady } from "../../../plugins/plugin-api";

/** The apt command that installs what the demo and the tests need. */
export const ALERTMANAGER_INSTALL_HINT = "apt-get install -y --no-install-recommends prometheus-alertmanager";

/** Debian's `prometheus-alertmanager` (or ALERTMANAGER_BIN), null when absent. */
export function findAlertmanager(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.ALERTMANAGER_BIN) return fs.existsSync(env.ALERTMANAGER_BIN) ? env.ALERTMANAGER_BIN : null;
  for (const dir of (env.PATH ?? "/usr/bin:/bin").split(path.delimiter)) {
    for (const name of ["prometheus-alertmanager", "alertmanager"]) {
      const p = path.join(dir, name);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch {
        /* next */
      }
    }
  }
  return null;
}


export interface PrivateAlertmanager {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface AlertmanagerOptions {
  /** Folder for alertmanager.yml and its storage (silences, notification log). */
  dir: string;
  /** The portal's receiver URL (`…/api/alerts/<name>`) and the bearer token it takes. */
  webhookUrl: string;
  token: string;
  port?: number;
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  bin?: string;
}

/** Alertmanager's config: every alert to the portal's receiver, with `http_config.authorization` as a bearer. */
export function alertmanagerConfig(o: Pick<AlertmanagerOptions, "webhookUrl" | "token" | "groupWait" | "groupInterval" | "repeatInterval">): string {
  return YAML.stringify({
    route: { receiver: "opsdeck", group_by: ["alertname"], group_wait: o.groupWait ?? "1s", group_interval: o.groupInterval ?? "1s", repeat_interval: o.repeatInterval ?? "1m" },
    receivers: [{ name: "opsdeck", webhook_configs: [{ url: o.webhookUrl, send_resolved: true, http_config: { authorization: { type: "Bearer", credentials: o.token } } }] }],
  });
}

/**
 * Starts Debian's Alertmanager as a private process on a loopback port with its own config and
 * storage, no cluster port, and waits until it is ready. Like the private Prometheus, it runs
 * under a shell that holds our stdin, so it stops when this process dies.
 */
export async function startAlertmanager(o: AlertmanagerOptions): Promise<PrivateAlertmanager> {
  const bin = o.bin ?? findAlertmanager();
  if (!bin) throw new Error(`prometheus-alertmanager is not installed (${ALERTMANAGER_INSTALL_HINT})`);
  fs.mkdirSync(path.join(o.dir, "data"), { recursive: true });
  const configFile = path.join(o.dir, "alertmanager.yml");
  fs.writeFileSync(configFile, alertmanagerConfig(o), { mode: 0o600 });
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = attempt === 0 && o.port ? o.port : await freePort();
    const child = spawn(
      "/bin/sh",
      [
        "-c",
        '"$0" "$@" </dev/null & c=$!; trap \'kill $c 2>/dev/null; wait $c; exit 0\' TERM INT; cat >/dev/null; kill $c 2>/dev/null; wait $c',
        bin,
        `--config.file=${configFile}`,
        `--storage.path=${path.join(o.dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
        "--log.level=warn",
      ],
      { stdio: ["pipe", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const url = `http://127.0.0.1:${port}`;
    if (await waitReady(url, child, 30_000)) return { url, port, stop: () => stopChild(child) };
    await stopChild(child);
    lastError = stderr.trim().split("\n").slice(-3).join(" | ");
  }
  throw new Error(`alertmanager did not start: ${lastError || "not ready in time"}`);
}


