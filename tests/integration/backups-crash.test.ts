import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import backups, { type BackupsService } from "../../plugins/backups";
import { Catalog } from "../../plugins/backups/catalog";
import { freshDatabaseUrl } from "../helpers/portal";

// kill -9 during a backup: no catalog entry marked good, no orphan taken for a backup, next run succeeds.
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let big: Awaited<ReturnType<typeof freshDatabaseUrl>>;
let url: string;
let dir: string;

beforeAll(async () => {
  big = await freshDatabaseUrl("postgres");
  const u = new URL(big.url);
  if (!u.username) u.username = "postgres";
  url = u.toString();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  // ~40 MB of poorly compressible rows, so that the dump takes long enough to be killed halfway.
  await c.query("create table events (id bigint primary key, a text, b text, c text)");
  await c.query("insert into events select g, md5(g::text), md5((g*7)::text), md5((g*13)::text) || md5(random()::text) from generate_series(1, 300000) g");
  await c.end();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-backups-crash-"));
}, 120_000);

afterAll(async () => {
  await big?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("kill -9 during a backup", () => {
  it("leaves nothing marked good and no orphan; the next start cleans up and the next run succeeds", async () => {
    const catalogFile = path.join(dir, "portal.sqlite");
    const storage = path.join(dir, "backups");
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("tests/integration/fixtures/backup-child.ts"), catalogFile, url, storage], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const targetDir = path.join(storage, "big");
    // Kill as soon as the temporary dump has bytes in it.
    const killedAt = await new Promise<number>((resolve, reject) => {
      const t = setInterval(() => {
        const tmp = fs.existsSync(targetDir) ? fs.readdirSync(targetDir).filter((f) => f.startsWith(".tmp-") && f.endsWith(".dump")) : [];
        if (tmp.length && fs.statSync(path.join(targetDir, tmp[0]!)).size > 0) {
          clearInterval(t);
          const size = fs.statSync(path.join(targetDir, tmp[0]!)).size;
          child.kill("SIGKILL");
          resolve(size);
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(t);
        reject(new Error(`the child finished before it could be killed: ${out}`));
      });
    });
    await new Promise((r) => (child.exitCode !== null || child.signalCode ? r(null) : child.once("exit", r)));
    expect(child.signalCode).toBe("SIGKILL");
    expect(killedAt).toBeGreaterThan(0);
    expect(out).not.toMatch(/done/);
    // The killed process is the one that took the backup (node itself, not a wrapper around it).
    expect(() => process.kill(child.pid!, 0)).toThrow();

    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(catalogFile) }) });
    try {
      const catalog = new Catalog(db);
      const [row] = await catalog.list("big");
      expect(row!.status).toBe("running");
      expect(fs.readdirSync(targetDir).filter((f) => !f.startsWith(".tmp-"))).toEqual([]); // nothing under a final name

      // The next start of the plugin: the interrupted row is failed, the partial files removed.
      const config = backups.config.parse({ targets: { big: { kind: "postgres", connection: url } }, storage: { dir: storage } });
      const instance = await backups.setup({ config, log: quiet, deps: { collections: undefined, cron: undefined }, demo: false, dataDir: dir, database: { dialect: "sqlite", db } });
      const after = (await catalog.get(row!.id))!;
      expect(after.status).toBe("failed");
      expect(after.error).toMatch(/interrupted/);
      expect(fs.readdirSync(targetDir)).toEqual([]);
      expect((await catalog.list("big")).filter((r) => r.status === "good")).toEqual([]);

      const service = instance.provides!.backups as BackupsService;
      const next = await service.backupNow("big");
      expect(next.status).toBe("good");
      expect(next.manifest!.counts).toEqual({ "public.events": 300000 });
      expect((await service.verify("big", next.id)).status).toBe("passed");
      expect(fs.readdirSync(targetDir).sort()).toEqual([`${next.id}.dump`, `${next.id}.manifest.json`]);
    } finally {
      await db.destroy();
    }
  }, 180_000);
});
