// The demo shop's PostgreSQL: a private server in the world's data folder (Debian's binaries,
// run as the `postgres` system user when we are root) on a free loopback port, or an embedded
// PGlite behind pglite-socket when the binaries are absent. It creates the `shop` database,
// its schema and the seeded trouble, and provides `postgres.url` to the sandboxes (supabase,
// paddle, backups). It never touches a server it did not start.
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort, type DemoWorld } from "../../plugins/plugin-api";
import type { DemoModule } from "../world";
import { FRESH_ORDER_CONFIRM_SQL, FRESH_ORDER_CONFIRMED_AFTER_MS, MIGRATION_FILES, shopSeedSql, SHOP_SCHEMA_SQL } from "./postgres-seed";

const run = promisify(execFile);
const PG_BIN = process.env.OPSDECK_PG_BIN ?? "/usr/lib/postgresql/15/bin";
export const SHOP_DATABASE = "shop";
/** The role the supabase plugin's reads run as: reads every table, writes none, no server access. */
export const SHOP_READ_ONLY_ROLE = "opsdeck_ro";

/** Runs a server binary as the `postgres` user when we are root (initdb and postgres refuse root). */
function asServerUser(bin: string, args: string[]): [string, string[]] {
  const full = path.join(PG_BIN, bin);
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", full, ...args]] : [full, args];
}

function chownToServerUser(dir: string) {
  if (process.getuid?.() !== 0) return;
  const line = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("no postgres system user");
  const [, , uid, gid] = line.split(":");
  fs.chownSync(dir, Number(uid), Number(gid));
}

/** The user the server runs as must be able to reach its folder: every parent needs o+x. */
function reachable(dir: string): boolean {
  if (process.getuid?.() !== 0) return true;
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
}

interface Started {
  url: string;
  engine: "postgresql" | "pglite";
  stop(): Promise<void>;
}

/**
 * A freshly initialised cluster, kept once per machine in the temp folder so each demo start
 * copies it (about a second) instead of running initdb (several seconds on a busy machine).
 */
async function clusterTemplate(): Promise<string> {
  const template = path.join(os.tmpdir(), `opsdeck-pg15-template-${process.getuid?.() ?? "u"}`);
  if (fs.existsSync(path.join(template, "PG_VERSION"))) return template;
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-pg15-staging-"));
  try {
    fs.chmodSync(staging, 0o711);
    const data = path.join(staging, "data");
    fs.mkdirSync(data, { mode: 0o700 });
    chownToServerUser(data);
    const [cmd, args] = asServerUser("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
    await run(cmd, args, { timeout: 120_000 });
    try {
      fs.renameSync(data, template);
    } catch {
      // Another start made it first: use theirs.
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  if (!fs.existsSync(path.join(template, "PG_VERSION"))) throw new Error(`no cluster template at ${template}`);
  return template;
}

/**
 * Stops our server if the portal dies without stopping it (SIGKILL, crash): a detached shell
 * waits for the portal's pid to go, then sends the postmaster SIGQUIT (immediate shutdown) and
 * removes a temp-folder cluster.
 */
function watchdog(postmasterPid: number, removeDir: string | null): { cancel(): void } {
  const cleanup = removeDir ? `; sleep 2; rm -rf '${removeDir.replace(/'/g, "")}'` : "";
  const child = spawn("sh", ["-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -QUIT ${postmasterPid} 2>/dev/null${cleanup}`], { detached: true, stdio: "ignore" });
  child.unref();
  return {
    cancel() {
      try {
        child.kill("SIGKILL");
      } catch {
        /* already gone */
      }
    },
  };
}

async function startPrivatePostgres(baseDir: string, log: DemoWorld["log"]): Promise<Started> {
  let dataDir = path.join(baseDir, "pgdata");
  let tempDir: string | null = null;
  if (!reachable(dataDir)) {
    // e.g. a data folder under a 0700 temp folder: the server user cannot enter it, so the cluster lives in a temp folder of its own.
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-demo-pg-"));
    fs.chmodSync(tempDir, 0o711);
    dataDir = path.join(tempDir, "pgdata");
  }
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await run("cp", ["-a", await clusterTemplate(), dataDir], { timeout: 60_000 });
  } else if (fs.existsSync(pidFile)) {
    // Our own server left running by a crash: stop it before starting again.
    const [cmd, args] = asServerUser("pg_ctl", ["-D", dataDir, "-m", "immediate", "stop"]);
    await run(cmd, args, { timeout: 30_000 }).catch(() => {});
  }
  const port = await freePort();
  const logFile = path.join(dataDir, "server.log");
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const [cmd, args] = asServerUser("pg_ctl", ["-D", dataDir, "-l", logFile, "-o", opts, "-w", "-t", "60", "start"]);
  await run(cmd, args, { timeout: 90_000 });
  const postmasterPid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  const guard = watchdog(postmasterPid, tempDir);
  log.info({ port, dataDir }, "demo shop: private PostgreSQL started");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${SHOP_DATABASE}`,
    engine: "postgresql",
    async stop() {
      guard.cancel();
      const [c, a] = asServerUser("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"]);
      await run(c, a, { timeout: 60_000 }).catch((err) => log.warn({ err: String(err) }, "demo shop: PostgreSQL did not stop cleanly"));
      if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

async function startPglite(log: DemoWorld["log"]): Promise<Started> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create();
  // PGlite holds one database; the shop's is created inside it under the same name for a uniform URL.
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 16 });
  await server.start();
  log.info({ port }, "demo shop: PostgreSQL binaries not found; using embedded PGlite (no statement_timeout enforcement)");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    engine: "pglite",
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** Creates the shop database afresh on our own server, with its schema and the seeded trouble. */
export async function createShopDatabase(serverUrl: string, engine: Started["engine"]): Promise<string> {
  let url = serverUrl;
  if (engine === "postgresql") {
    const admin = new pg.Client({ connectionString: serverUrl.replace(/\/[^/]*$/, "/postgres") });
    admin.on("error", () => {}); // a connection dropped by the server fails the query in hand; unheard, it would end the process
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${SHOP_DATABASE} with (force)`);
      await admin.query(`create database ${SHOP_DATABASE}`);
    } finally {
      await admin.end();
    }
  } else {
    url = serverUrl;
  }
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(SHOP_SCHEMA_SQL);
    await client.query(shopSeedSql());
    // Roles belong to the cluster (ours alone), so a restarted demo finds it there already.
    await client.query(`do $$ begin if not exists (select 1 from pg_roles where rolname = '${SHOP_READ_ONLY_ROLE}') then create role ${SHOP_READ_ONLY_ROLE} login; end if; end $$`);
    await client.query(`grant pg_read_all_data to ${SHOP_READ_ONLY_ROLE}`);
  } finally {
    await client.end();
  }
  return url;
}

/**
 * How the supabase plugin reads the shop: on a private PostgreSQL the read-only role logs in by
 * itself (its own connection); PGlite answers every connection as its one superuser whatever the
 * user name, so there reads SET ROLE to it (PGlite enforces the role's privileges all the same).
 */
export function shopReadOnlyAccess(url: string, engine: Started["engine"]): { readOnlyDatabaseUrl: string } | { readOnlyRole: string } {
  if (engine === "pglite") return { readOnlyRole: SHOP_READ_ONLY_ROLE };
  const ro = new URL(url);
  ro.username = SHOP_READ_ONLY_ROLE;
  return { readOnlyDatabaseUrl: ro.toString() };
}

export const postgresModule: DemoModule = {
  id: "postgres",
  async start(world) {
    const baseDir = path.join(world.dataDir, "postgres");
    fs.mkdirSync(baseDir, { recursive: true });
    let started: Started | null = null;
    if (fs.existsSync(path.join(PG_BIN, "pg_ctl"))) {
      try {
        started = await startPrivatePostgres(baseDir, world.log);
      } catch (err) {
        world.log.warn({ err: String(err).slice(0, 400) }, "demo shop: could not start a private PostgreSQL; falling back to PGlite");
      }
    }
    started ??= await startPglite(world.log);
    world.onStop(started.stop);
    const url = await createShopDatabase(started.url, started.engine);
    // The shop's migrations folder (supabase/migrations in its repository): one file not yet applied.
    const migrations = path.join(baseDir, "migrations");
    fs.rmSync(migrations, { recursive: true, force: true });
    fs.mkdirSync(migrations, { recursive: true });
    for (const file of MIGRATION_FILES) fs.writeFileSync(path.join(migrations, file), `-- ${file}\n`);
    world.provide("postgres.migrations", migrations);
    world.provide("postgres.url", url);
    world.provide("postgres.engine", started.engine);
    world.provide("postgres.readOnly", shopReadOnlyAccess(url, started.engine));
    const confirm = setTimeout(() => {
      const client = new pg.Client({ connectionString: url });
      // The shop's server may stop (the demo shutting down) while this one-off runs: heard here, not a crash.
      client.on("error", (err) => world.log.warn({ err: String(err).slice(0, 300) }, "demo shop: the confirming connection dropped"));
      client
        .connect()
        .then(() => client.query(FRESH_ORDER_CONFIRM_SQL))
        .then(() => world.log.info("demo shop: the webhook handler confirmed wx-1034"))
        .catch((err) => world.log.warn({ err: String(err).slice(0, 300) }, "demo shop: could not confirm wx-1034"))
        .finally(() => client.end().catch(() => {}));
    }, FRESH_ORDER_CONFIRMED_AFTER_MS);
    confirm.unref();
    world.onStop(() => clearTimeout(confirm));
  },
};
