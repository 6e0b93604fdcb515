import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import backups, { type BackupsService } from "../../plugins/backups";
import { Catalog, migrations as catalogMigrations } from "../../plugins/backups/catalog";
import { takeBackup, verifyBackup } from "../../plugins/backups/engine";
import { decideApproval, previewAction, submitAction } from "~/core/actions/pipeline.server";
import { getRun } from "~/core/actions/runs.server";
import type { User } from "~/core/auth.server";
import { changeUserFromCli } from "~/core/users.server";
import type { Portal } from "~/core/portal.server";
import { freshDatabaseUrl, testPortal, settleRun } from "../helpers/portal";
import { backupsRef } from "../../plugins/backups/api";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

// Backups on the real PostgreSQL (127.0.0.1:5432): a database of our own, dropped after.
const user = (username: string): User => ({ id: `u_${username}`, username, displayName: null, roles: ["admin"], via: "session" });
const admin = user("admin");
const admin2 = user("admin2");

let shop: Awaited<ReturnType<typeof freshDatabaseUrl>>;
let shopUrl: string;
let client: pg.Client;
let portal: Portal;
let cleanup: () => Promise<void>;
let storage: string;
let service: BackupsService;

const snapshot = async () => ({
  customers: (await client.query("select * from customers order by id")).rows,
  orders: (await client.query("select * from orders order by id")).rows,
});

const settle = (runId: string) => settleRun(portal, runId, { timeoutMs: 60_000, pastApproval: true });

beforeAll(async () => {
  shop = await freshDatabaseUrl("postgres");
  const u = new URL(shop.url);
  if (!u.username) u.username = "postgres";
  shopUrl = u.toString();
  client = new pg.Client({ connectionString: shopUrl });
  await client.connect();
  await client.query(`
    create table customers (id int primary key, email text not null, created_at timestamptz not null default now());
    create table orders (id int primary key, customer_id int not null references customers(id), amount numeric(10,2) not null, note text);
    insert into customers select g, 'c' || g || '@example.com' from generate_series(1, 200) g;
    insert into orders select g, 1 + g % 200, (g * 1.25)::numeric(10,2), md5(g::text) from generate_series(1, 1000) g;
  `);
  storage = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-backups-"));
  ({ portal, cleanup } = await testPortal({
    dialect: "sqlite",
    env: { SHOP_DB_URL: shopUrl },
    plugins: [backups],
    config: { app: { demo: false }, plugins: { backups: { targets: { shop: { kind: "postgres", connection: "${SHOP_DB_URL}" } }, storage: { dir: storage } } } },
  }));
  service = portal.registry.services.get(backupsRef)!;
  for (const u of ["admin", "admin2"]) await changeUserFromCli(portal, { intent: "add", username: u, password: "a-long-test-password-1", roles: ["admin"] });
}, 60_000);

afterAll(async () => {
  await cleanup?.();
  await client?.end();
  await shop?.drop();
  fs.rmSync(storage, { recursive: true, force: true });
});

describe("backups of a PostgreSQL target", () => {
  it("backs up, rows change and go, a restore approved by a second admin brings back the backup row for row", async () => {
    const before = await snapshot();
    const lines: string[] = [];
    const backup = await service.backupNow("shop", { log: (m) => lines.push(m) });
    expect(backup.status).toBe("good");
    expect(backup.manifest!.counts).toEqual({ "public.customers": 200, "public.orders": 1000 });
    expect(backup.manifest!.tools.pg_dump).toMatch(/pg_dump \(PostgreSQL\) 15/);
    expect(backup.manifest!.schemaVersion).toMatch(/^server 15/);
    expect(fs.readFileSync(backup.file!).subarray(0, 5).toString()).toBe("PGDMP");
    expect(JSON.parse(fs.readFileSync(backup.file!.replace(/\.dump$/, ".manifest.json"), "utf8")).sha256).toBe(backup.sha256);
    expect(lines.join("\n")).toMatch(/backup shop-.*KB, sha256/);

    await client.query("update orders set amount = 0, note = 'changed' where id <= 300");
    await client.query("delete from orders where id > 900");
    await client.query("insert into customers values (999, 'new@example.com')");

    const input = { target: "shop", backupId: backup.id };
    const preview = await answerOf(previewAction(portal, admin, "backups.restore", { input }), answerData);
    expect(preview.status).toBe(200);
    const p = preview.body.preview as { summary: string; rows: Record<string, unknown>[]; precondition?: string };
    expect(p.summary).not.toMatch(/Partial restore/);
    expect(p.rows).toEqual(expect.arrayContaining([expect.objectContaining({ table: "public.orders", "rows now": 900, "rows in backup": 1000 }), expect.objectContaining({ table: "public.customers", "rows now": 201, "rows in backup": 200 })]));
    const req = await answerOf(submitAction(portal, admin, "backups.restore", { input, confirm: "shop", idempotencyKey: "restore-shop-0001", precondition: p.precondition }));
    expect(req.body.error).toBeUndefined();
    expect(req.status).toBe(202);
    const runId = String(req.body.runId);
    expect((await getRun(portal, runId))!.status).toBe("awaiting_approval");
    const selfApprove = await answerOf(decideApproval(portal, admin, runId, "approve"));
    expect(selfApprove.status).toBeGreaterThanOrEqual(400);
    const approved = await answerOf(decideApproval(portal, admin2, runId, "approve"));
    expect(approved.body.error).toBeUndefined();
    const run = await settle(runId);
    expect(run.status).toBe("succeeded");
    expect(JSON.stringify(run.result)).toMatch(/counts match the backup; safety backup shop-/);

    expect(await snapshot()).toEqual(before);
    // The safety backup holds the state just before the restore.
    const safety = (await service.catalog.list("shop")).find((r) => r.id !== backup.id && r.status === "good")!;
    expect(safety.manifest!.counts).toEqual({ "public.customers": 201, "public.orders": 900 });
  }, 120_000);

  it("a partial restore of one table warns in the preview and leaves the other table alone", async () => {
    const backup = await service.backupNow("shop");
    await client.query("delete from orders where id > 500");
    await client.query("update customers set email = 'kept@example.com' where id = 1");
    const input = { target: "shop", backupId: backup.id, tables: ["orders"] };
    const preview = await answerOf(previewAction(portal, admin, "backups.restore", { input }), answerData);
    expect(preview.status).toBe(200);
    expect((preview.body.preview as { summary: string }).summary).toMatch(/^Partial restore: only the chosen tables/);
    const req = await answerOf(submitAction(portal, admin, "backups.restore", { input, confirm: "shop", idempotencyKey: "restore-shop-0002", precondition: (preview.body.preview as { precondition?: string }).precondition }));
    expect(req.status).toBe(202);
    const ok = await answerOf(decideApproval(portal, admin2, String(req.body.runId), "approve"));
    expect(ok.body.error).toBeUndefined();
    expect((await settle(String(req.body.runId))).status).toBe("succeeded");
    expect(Number((await client.query("select count(*) n from orders")).rows[0].n)).toBe(1000);
    expect((await client.query("select email from customers where id = 1")).rows[0].email).toBe("kept@example.com");
  }, 120_000);

  it("an unknown table or target is a 400 naming it", async () => {
    const backup = (await service.catalog.list("shop")).find((r) => r.status === "good")!;
    const bad = await answerOf(previewAction(portal, admin, "backups.restore", { input: { target: "shop", backupId: backup.id, tables: ["nope"] } }), answerData);
    expect(bad.body).toMatchObject({ previewInvalid: true, fieldErrors: { tables: [expect.stringMatching(/"nope" is not one table of the backup/)] } });
    const refused = await answerOf(submitAction(portal, admin, "backups.restore", { input: { target: "shop", backupId: backup.id, tables: ["nope"] }, confirm: "shop", idempotencyKey: "restore-bad-0001" }));
    expect(refused.status).toBe(400);
    const noTarget = await answerOf(submitAction(portal, admin, "backups.backup-now", { input: { target: "elsewhere" }, idempotencyKey: "backup-bad-0001" }));
    expect(noTarget.status).toBe(400);
    expect(noTarget.body.error).toBe('unknown backup target "elsewhere"');
  });

  it("verification restores into a scratch database, records the time to restore, and drops the scratch database", async () => {
    const backup = await service.backupNow("shop");
    const r = await service.verify("shop", backup.id);
    expect(r.status).toBe("passed");
    expect(r.detail).toMatch(/restored 2 tables, \d+ rows, counts match the manifest/);
    expect(r.rtoMs).toBeGreaterThan(0);
    const row = (await service.catalog.get(backup.id))!;
    expect(row.verifyStatus).toBe("passed");
    expect(row.rpoMs).toBeGreaterThanOrEqual(0);
    const left = await client.query("select datname from pg_database where datname like 'backups_verify_%'");
    expect(left.rows).toEqual([]);
    const reading = await portal.registry.probes.get("backups.shop-last-restorable")!.def.read({ signal: new AbortController().signal, log: console, now: () => new Date() });
    expect(reading.summary).toMatch(new RegExp(`^${backup.id} restored in \\d+\\.\\d s, taken \\d+(s| min) ago$`));
    expect(reading.value).toBeLessThan(1);
    const table = await portal.registry.probes.get("backups.catalog")!.def.read({ signal: new AbortController().signal, log: console, now: () => new Date() });
    expect(table.rows).toEqual(expect.arrayContaining([expect.objectContaining({ target: "shop", backup: backup.id, status: "good", verification: expect.stringMatching(/^passed: /) })]));
  }, 60_000);

  it("a backup file altered by one byte fails verification", async () => {
    const backup = await service.backupNow("shop");
    const buf = fs.readFileSync(backup.file!);
    buf[Math.floor(buf.length / 2)] ^= 0x01;
    fs.writeFileSync(backup.file!, buf);
    const r = await service.verify("shop", backup.id);
    expect(r.status).toBe("failed");
    expect(r.detail).toMatch(/checksum mismatch/);
    expect((await service.catalog.get(backup.id))!.verifyStatus).toBe("failed");
  }, 60_000);

  it("a dump truncated in its data section fails verification by restore, although pg_restore --list passes it", async () => {
    const backup = await service.backupNow("shop");
    const full = fs.statSync(backup.file!).size;
    // Cut inside the data of the last table; make the manifest's checksum match the cut file, as if
    // the dump had been truncated before it was hashed: only the restore can tell.
    fs.truncateSync(backup.file!, full - 200);
    const sum = execFileSync("sha256sum", [backup.file!], { encoding: "utf8" }).split(" ")[0]!;
    await portal.store.db.updateTable("backups_catalog" as never).set({ sha256: sum, manifest: JSON.stringify({ ...backup.manifest, sha256: sum }) } as never).where("id" as never, "=", backup.id as never).execute();
    expect(() => execFileSync("pg_restore", ["--list", backup.file!], { stdio: "ignore" })).not.toThrow();
    const r = await service.verify("shop", backup.id);
    expect(r.status).toBe("failed");
    expect(r.detail).toMatch(/restore into a scratch database failed|counts differ/);
    const left = await client.query("select datname from pg_database where datname like 'backups_verify_%'");
    expect(left.rows).toEqual([]);
  }, 60_000);
});

describe("prune through the pipeline keeps what a restore needs", () => {
  it("the preview lists every backup with keep/delete and why (restic's keep-* words); the newest verified backup stays although newer unverified ones exist", async () => {
    const before = (await service.catalog.list("shop")).filter((r) => r.status === "good");
    expect(before.length).toBeGreaterThan(3);
    // The newest backups failed verification (the byte flipped, the truncated dump); an older one passed.
    const proven = before.find((r) => r.verifyStatus === "passed")!;
    expect(proven).toBeDefined();
    expect(before[0]!.id).not.toBe(proven.id);
    const restorable = () => portal.registry.probes.get("backups.shop-last-restorable")!.def.read({ signal: new AbortController().signal, log: console, now: () => new Date() });
    const probeBefore = await restorable();

    const preview = await answerOf(previewAction(portal, admin, "backups.prune", { input: { target: "shop" } }), answerData);
    expect(preview.status).toBe(200);
    const p = preview.body.preview as { summary: string; count: number; rows: { backup: string; decision: string; why: string; verification: string }[]; precondition?: string };
    // All taken today: the newest is today's keep-daily (and this week's, this month's); the newest verified stays; the rest go.
    expect(p.count).toBe(before.length - 2);
    expect(p.summary).toContain(`keep-daily 30, keep-weekly 12, keep-monthly 12; newest verified ${proven.id}`);
    expect(p.rows[0]).toMatchObject({ backup: before[0]!.id, decision: "keep", why: expect.stringMatching(/^keep-daily \d{4}-\d\d-\d\d, keep-weekly \d{4}-W\d\d, keep-monthly \d{4}-\d\d$/) });
    expect(p.rows.find((r) => r.backup === proven.id)).toMatchObject({ decision: "keep", verification: "passed", why: "newest verified (a restore needs it)" });
    const gone = p.rows.filter((r) => r.decision === "delete");
    expect(gone).toHaveLength(before.length - 2);
    expect(gone.every((r) => r.why === "not kept by keep-daily 30, keep-weekly 12, keep-monthly 12; not the newest verified")).toBe(true);

    const req = await answerOf(submitAction(portal, admin, "backups.prune", { input: { target: "shop" }, confirm: "shop", idempotencyKey: "prune-shop-0001", precondition: p.precondition }));
    expect(req.body.error).toBeUndefined();
    const run = await settle(String(req.body.runId));
    expect(run.status).toBe("succeeded");
    const after = await service.catalog.list("shop");
    expect(after.filter((r) => r.status === "good").map((r) => r.id)).toEqual([before[0]!.id, proven.id]);
    for (const g of before.slice(1).filter((r) => r.id !== proven.id)) expect(fs.existsSync(g.file!)).toBe(false);
    expect(fs.existsSync(proven.file!)).toBe(true);
    // What a restore needs is still there: the probe reads the same proven backup after the prune.
    const probeAfter = await restorable();
    expect(probeAfter.summary).toMatch(new RegExp(`^${proven.id} restored in`));
    expect(probeAfter.status).toBe(probeBefore.status);
  }, 60_000);
});

describe("a restore that must fail is refused at the press", () => {
  it("restoring a backup that failed verification: the preview refuses it, the press is a 400 naming why, and no request reaches an approver", async () => {
    const backup = await service.backupNow("shop");
    const buf = fs.readFileSync(backup.file!);
    buf[Math.floor(buf.length / 2)] ^= 0x01;
    fs.writeFileSync(backup.file!, buf);
    expect((await service.verify("shop", backup.id)).status).toBe("failed");

    const input = { target: "shop", backupId: backup.id };
    const preview = await answerOf(previewAction(portal, admin, "backups.restore", { input }), answerData);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ previewInvalid: true, previewError: expect.stringMatching(new RegExp(`^backup ${backup.id} failed its verification \\(checksum mismatch`)) });
    expect(preview.body.fieldErrors).toEqual({ backupId: ["failed verification: choose a backup that passed"] });

    const press = await answerOf(submitAction(portal, admin, "backups.restore", { input, confirm: "shop", idempotencyKey: "restore-unverified-0001" }));
    expect(press.status).toBe(400);
    expect(press.body.error).toMatch(/failed its verification/);
    expect(press.body.runId).toBeUndefined();
    const runs = await portal.store.db.selectFrom("action_runs").select(["id", "status"]).where("action_id", "=", "backups.restore").where("input", "like", `%${backup.id}%`).execute();
    expect(runs).toEqual([]);
    const entry = await portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "backups.restore").orderBy("seq", "desc").executeTakeFirstOrThrow();
    expect(entry.outcome).toBe("invalid");
    expect(entry.details).toMatch(/the dry run refused the input: backup .* failed its verification/);
  }, 60_000);
});

describe("verify counts tables while pg_restore fills the scratch database", () => {
  it("inheritance parents, partitioned tables and their partitions count every row, as the manifest did", async () => {
    const db = await freshDatabaseUrl("postgres");
    const u = new URL(db.url);
    if (!u.username) u.username = "postgres";
    const url = u.toString();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-backups-shapes-"));
    try {
      await c.query(`
        create schema "odd.schema";
        create table events (id int primary key, kind text not null);
        create table events_archived (archived_at timestamptz not null default now()) inherits (events);
        create table payments (id int not null, day date not null, amount int) partition by range (day);
        create table payments_2026_10 partition of payments for values from ('2026-10-01') to ('2026-11-01');
        create table payments_2026_11 partition of payments for values from ('2026-11-01') to ('2026-12-01');
        create table "odd.schema"."a.b" (id int);
        insert into events select g, 'k' || g % 3 from generate_series(1, 500) g;
        insert into events_archived (id, kind) select g, 'old' from generate_series(501, 800) g;
        insert into payments select g, date '2026-10-01' + (g % 60), g from generate_series(1, 900) g;
        insert into "odd.schema"."a.b" select g from generate_series(1, 7) g;
      `);
      const kdb = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(":memory:") }) });
      for (const m of Object.values(catalogMigrations)) await m.up(kdb);
      const catalog = new Catalog(kdb);
      const backup = await takeBackup({ id: "shapes-1", target: "shapes", source: { kind: "postgres", url }, dir, catalog });
      expect(backup.manifest!.counts).toMatchObject({ "public.events": 800, "public.events_archived": 300, "public.payments": 900, "odd.schema.a.b": 7 });
      const v = await verifyBackup(backup, { source: { kind: "postgres", url }, catalog });
      expect(v).toMatchObject({ status: "passed", mismatches: [] });
      expect(v.detail).toMatch(/counts match the manifest/);
      await kdb.destroy();
    } finally {
      await c.end();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
