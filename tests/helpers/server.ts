import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

// import.meta.url, not __dirname: Playwright loads this file as an ES module.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export interface RunningServer {
  baseUrl: string;
  port: number;
  dir: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies on the spot. */
  kill9(): Promise<void>;
}

/**
 * Starts the built portal (`build/` must exist: `npx remix build`) as its own process, in a temp
 * folder with the given config, on a free port. Waits for /healthz.
 */
export async function startServer(options: {
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  dir?: string;
  runbooksDir?: string;
} = {}, attempt = 1): Promise<RunningServer> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-srv-"));
  if (options.config || !fs.existsSync(path.join(dir, "app-config.yaml"))) {
    fs.writeFileSync(path.join(dir, "app-config.yaml"), YAML.stringify(options.config ?? {}));
  }
  const port = await freePort();
  let out = "";
  const child = spawn(process.execPath, [...(process.env.OPSDECK_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean), path.join(ROOT, "server/index.js")], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: "production",
      OPSDECK_CWD: dir,
      OPSDECK_RUNBOOKS_DIR: options.runbooksDir ?? path.join(ROOT, "runbooks", "examples"),
      OPSDECK_DEMO_PASSWORD: "test-password",
      PORT: String(port),
      LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  // A loaded machine (several test runs on two cores) can take longer than usual to boot.
  const deadline = Date.now() + Number(process.env.OPSDECK_TEST_SERVER_START_MS ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) {
      // The free port was taken between the check and the listen (the demo's own sandboxes bind
      // ephemeral ports while the portal boots): another port, up to three times.
      if (/port \d+ is already in use/.test(out) && attempt < 3) return startServer({ ...options, dir }, attempt + 1);
      throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not come up:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl,
    port,
    dir,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    async kill9() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Signs in over HTTP and returns the session cookie ("name=value"). */
export async function signIn(baseUrl: string, username: string, password = "test-password"): Promise<string> {
  const res = await fetch(`${baseUrl}/login`, {
    method: "POST",
    body: new URLSearchParams({ username, password }),
    redirect: "manual",
  });
  const setCookie = res.headers.get("set-cookie");
  if (res.status !== 302 || !setCookie) throw new Error(`sign-in as ${username} failed: ${res.status}`);
  return setCookie.split(";")[0];
}
