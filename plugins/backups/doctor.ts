import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { doctorCheck, type DoctorCheck, type DoctorContext } from "../plugin-api";
import type { BackupsConfig } from "./config";

const TOOLS = ["pg_dump", "pg_restore"] as const;

/** `<bin> --version` with the environment the config was loaded with (its PATH decides which binary). */
function toolVersion(bin: string, env: Record<string, string | undefined>, signal: AbortSignal): Promise<{ text: string; major: number }> {
  return new Promise((resolve, reject) => {
    execFile(bin, ["--version"], { env: env as NodeJS.ProcessEnv, signal, timeout: 10_000 }, (err, stdout) => {
      if (err) return reject(new Error((err as NodeJS.ErrnoException).code === "ENOENT" ? `${bin} is not on the portal's PATH` : `${bin} --version failed: ${err.message}`));
      const text = stdout.trim();
      const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text);
      if (!m) return reject(new Error(`${bin} --version printed "${text.slice(0, 80)}", not a PostgreSQL version`));
      // Before 10 the major version had two parts (9.6); those can dump nothing current either.
      resolve({ text, major: Number(m[1]) >= 10 ? Number(m[1]) : Number(m[1]) + Number(m[2] ?? 0) / 10 });
    });
  });
}

async function serverMajor(url: string, signal: AbortSignal): Promise<{ num: number; major: number; db: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, application_name: "opsdeck-doctor" });
  client.on("error", () => {}); // a dropped connection fails the check's query; unheard, it would end the process
  const onAbort = () => void client.end().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await client.connect();
    const { rows } = await client.query("select current_setting('server_version_num')::int as num, current_database() as db");
    const num = Number(rows[0].num);
    return { num, major: num >= 100_000 ? Math.floor(num / 10_000) : Math.floor(num / 10_000) + (Math.floor(num / 100) % 100) / 10, db: String(rows[0].db) };
  } finally {
    signal.removeEventListener("abort", onAbort);
    await client.end().catch(() => {});
  }
}

function connectionFix(key: string) {
  return (err: unknown) => {
    const code = (err as { code?: string }).code;
    if (code === "28P01" || code === "28000") return `the user or password in ${key} is refused: set the current one`;
    if (code === "3D000") return `the database named in ${key} does not exist: correct its /<database> part`;
    return `make the host in ${key} reachable from the portal, or correct it`;
  };
}

/** The folder (or, before the first backup, the folder it would be made in) takes a file: one written and removed at once. */
async function storageWritable(dir: string): Promise<string> {
  let existing = dir;
  while (!fs.existsSync(existing)) {
    const up = path.dirname(existing);
    if (up === existing) break;
    existing = up;
  }
  if (existing !== dir) {
    await fs.promises.access(existing, fs.constants.W_OK);
    return `${dir} does not exist yet; ${existing} is writable, so the first backup creates it`;
  }
  const probe = path.join(dir, `.opsdeck-doctor-${crypto.randomBytes(4).toString("hex")}`);
  await fs.promises.writeFile(probe, "");
  await fs.promises.rm(probe, { force: true });
  const free = await fs.promises.statfs(dir).then((s) => ` (${Math.round((s.bavail * s.bsize) / 1e9)} GB free)`).catch(() => "");
  return `${dir} is writable${free}`;
}

/**
 * Each PostgreSQL target reachable, with pg_dump and pg_restore at least the server's major version
 * (an older pg_dump aborts on a newer server; pg_restore cannot read a newer dump), and the storage
 * folder writable.
 */
export async function backupsDoctor({ config, dataDir, env, signal }: DoctorContext<BackupsConfig>): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const dir = path.resolve(config.storage.dir ?? path.join(dataDir, "backups"));
  checks.push(
    await doctorCheck("storage folder", `make ${dir} writable by the portal's user (chown/chmod), or set plugins.backups.storage.dir to a folder that is`, () => storageWritable(dir)),
  );
  const tools = new Map<string, Promise<{ text: string; major: number }>>();
  const tool = (bin: string) => {
    if (!tools.has(bin)) tools.set(bin, toolVersion(bin, env, signal));
    return tools.get(bin)!;
  };
  for (const [name, target] of Object.entries(config.targets)) {
    const url = target.kind === "firestore" ? undefined : target.connection;
    if (target.kind === "firestore") {
      checks.push({ name: `target ${name}`, ok: true, detail: `collections ${target.collections.join(", ")} are read through ${target.service} (the firestore plugin's checks cover its credential)` });
      continue;
    }
    if (!url) {
      checks.push({ name: `target ${name}`, ok: true, detail: "the portal's own SQLite store, copied with SQLite's online backup API (no client tools needed)" });
      continue;
    }
    let server: { num: number; major: number; db: string } | undefined;
    const reach = await doctorCheck(`target ${name}: reachable`, connectionFix(`plugins.backups.targets.${name}.connection`), async () => {
      server = await serverMajor(url, signal);
      return `database ${server.db} on PostgreSQL ${server.major} (server_version_num ${server.num})`;
    });
    checks.push(reach);
    for (const bin of TOOLS) {
      checks.push(
        await doctorCheck(
          `target ${name}: ${bin} version`,
          (err) =>
            /not on the portal's PATH/.test(String((err as Error).message))
              ? `install the PostgreSQL client tools${server ? ` of version ${server.major} or newer (e.g. apt-get install postgresql-client-${server.major})` : ""} on the portal's host and put them on its PATH`
              : `install the PostgreSQL client tools of version ${server?.major ?? "≥ the server's"} or newer (e.g. apt-get install postgresql-client-${server?.major ?? "<major>"}) and put their bin folder first on the portal's PATH (e.g. /usr/lib/postgresql/${server?.major ?? "<major>"}/bin)`,
          async () => {
            const v = await tool(bin);
            if (!server) return `${v.text} (the server's version is unknown: it is not reachable)`;
            if (v.major < server.major) throw new Error(`${v.text} is older than the server (PostgreSQL ${server.major}): ${bin === "pg_dump" ? "pg_dump aborts because of the server version mismatch" : "pg_restore cannot read a dump made by a newer pg_dump"}`);
            return `${v.text}, for a PostgreSQL ${server.major} server`;
          },
        ),
      );
    }
  }
  return checks;
}
