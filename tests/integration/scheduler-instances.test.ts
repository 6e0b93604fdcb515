import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Cron } from "croner";
import pg from "pg";
import pino from "pino";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import backups from "../../plugins/backups";
import { actionsBootStep } from "~/core/actions/recovery.server";
import { bootPortal } from "~/core/boot.server";
import type { Portal } from "~/core/portal.server";
import { RUNBOOK_VERIFICATION_JOB, runbookVerificationStep } from "~/core/runbooks/verify.server";
import { claimTick, SCHEDULER_ACTOR, startPluginSchedules } from "~/core/scheduler/scheduler.server";
import { freshDatabaseUrl } from "../helpers/portal";

// Two portal instances on ONE PostgreSQL store, both running the same backup and verify schedules
// of a small PostgreSQL target: every tick must run exactly once, through the action pipeline
// (per-target lock, audit entries by system:scheduler). The default run uses 20-second schedules
// for a minute; SCHEDULER_INSTANCES_MINUTES=3 runs the issue's three minutes of one-minute schedules.
const MINUTES = Number(process.env.SCHEDULER_INSTANCES_MINUTES ?? 0);
const LONG = MINUTES > 0;
const BACKUP_CRON = LONG ? "0 * * * * *" : "*/20 * * * * *";
const VERIFY_CRON = LONG ? "30 * * * * *" : "10,30,50 * * * * *";
const RUN_MS = LONG ? MINUTES * 60_000 + 5_000 : 65_000;
const VERIFY_EVERY_MS = 20_000;

let store: Awaited<ReturnType<typeof freshDatabaseUrl>>;
let shop: Awaited<ReturnType<typeof freshDatabaseUrl>>;
let dir: string;
const portals: Portal[] = [];

beforeAll(async () => {
  store = await freshDatabaseUrl("postgres");
  shop = await freshDatabaseUrl("postgres");
  const u = new URL(shop.url);
  if (!u.username) u.username = "postgres";
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  await c.query(`create table items (id int primary key, name text not null); insert into items select g, 'item ' || g from generate_series(1, 300) g;`);
  await c.end();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-instances-"));
  fs.mkdirSync(path.join(dir, "runbooks"));
  fs.writeFileSync(path.join(dir, "runbooks", "backups.md"), "# Backups\n\n::probe{id=backups.shop-last-good-age}\n");
  fs.writeFileSync(
    path.join(dir, "app-config.yaml"),
    YAML.stringify({
      app: { demo: false },
      plugins: { backups: { targets: { shop: { kind: "postgres", connection: "${SHOP_DB_URL}", schedule: BACKUP_CRON, verifySchedule: VERIFY_CRON } }, storage: { dir: path.join(dir, "backups") } } },
    }),
  );
  // Two boots of the same install (one config, one data folder with its keys), one store.
  for (let i = 0; i < 2; i++) {
    portals.push(
      await bootPortal({
        cwd: dir,
        env: { SESSION_SECRET: "test-session-secret-0123456789", SHOP_DB_URL: u.toString() },
        databaseUrl: store.url,
        plugins: [backups],
        background: false,
        steps: [actionsBootStep, startPluginSchedules, runbookVerificationStep({ everyMs: VERIFY_EVERY_MS, firstRoundTimeoutMs: 0 })],
        log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  for (const p of portals.reverse()) await p.shutdown().catch(() => {});
  await store?.drop();
  await shop?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The planned instants of a pattern in (from, to]. */
function ticksBetween(pattern: string, from: number, to: number): number[] {
  const cron = new Cron(pattern, { paused: true });
  const out: number[] = [];
  for (let t = cron.nextRun(new Date(from)); t && t.getTime() <= to; t = cron.nextRun(t)) out.push(t.getTime());
  cron.stop();
  return out;
}

describe("scheduled work runs once across instances", () => {
  it("a tick is claimed by one instance only", async () => {
    const [a, b] = portals;
    const at = Date.UTC(2026, 0, 1);
    const claims = await Promise.all([claimTick(a!.store, "test.claim", at, "a"), claimTick(b!.store, "test.claim", at, "b"), claimTick(a!.store, "test.claim", at, "a")]);
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it(
    `two instances, one store: each scheduled backup and verify ran exactly once per tick (${LONG ? `${MINUTES} min of one-minute schedules` : "20 s schedules for a minute"})`,
    async () => {
      const db = portals[0]!.store.db;
      // A verify tick verifies the newest finished backup, and with none it fails ("no finished
      // backup to verify"): the window opens once the schedule has taken one, else a window
      // opening between a backup tick and the next verify tick starts with a verify of nothing.
      for (const deadline = Date.now() + 60_000; ; ) {
        const good = await db.selectFrom("backups_catalog" as never).select("id" as never).where("target" as never, "=", "shop" as never).where("status" as never, "=", "good" as never).execute();
        if (good.length) break;
        if (Date.now() > deadline) throw new Error("the schedule took no backup of shop within a minute");
        await new Promise((r) => setTimeout(r, 250));
      }
      const from = Date.now();
      await new Promise((r) => setTimeout(r, RUN_MS));
      const to = Date.now() - 1_000; // a tick in the last second may still be being claimed
      // Let runs of the last ticks finish.
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
        const open = await db.selectFrom("action_runs").select("id").where("status", "in", ["pending", "started"]).execute();
        if (!open.length) break;
        await new Promise((r) => setTimeout(r, 250));
      }

      const jobs = { "backups.backup-shop": { cron: BACKUP_CRON, action: "backups.backup-now" }, "backups.verify-shop": { cron: VERIFY_CRON, action: "backups.verify" } };
      const runs = await db.selectFrom("action_runs").select(["id", "action_id", "actor", "status", "idempotency_key", "owner", "error", "log"]).where("actor", "=", SCHEDULER_ACTOR).execute();
      const audit = await db.selectFrom("audit_entries").select(["actor", "action", "target", "outcome", "run_id"]).where("actor", "=", SCHEDULER_ACTOR).execute();
      const ticks = await db.selectFrom("scheduler_ticks").selectAll().execute();
      const report: Record<string, unknown> = {};
      for (const [job, { cron, action }] of Object.entries(jobs)) {
        const expected = ticksBetween(cron, from, to);
        expect(expected.length).toBeGreaterThanOrEqual(LONG ? MINUTES : 3);
        const claimed = ticks.filter((t) => t.job === job);
        for (const at of expected) {
          const key = `${SCHEDULER_ACTOR}|${action}|tick:${job}:${at}`;
          const ofTick = runs.filter((r) => r.idempotency_key === key);
          // Exactly one run of the action for this tick, and it succeeded…
          expect(ofTick, `${job} at ${new Date(at).toISOString()}`).toHaveLength(1);
          expect(ofTick[0]!.status, `${job} at ${new Date(at).toISOString()}: ${ofTick[0]!.error ?? ""}\n${ofTick[0]!.log.slice(-2000)}`).toBe("succeeded");
          // …audited once as started and once as succeeded, by the scheduler, on the target.
          const entries = audit.filter((e) => e.run_id === ofTick[0]!.id);
          expect(entries.map((e) => e.outcome).sort()).toEqual(["started", "succeeded"]);
          expect(entries.every((e) => e.action === action && e.target === "shop")).toBe(true);
          // One claim row, finished.
          expect(claimed.filter((t) => Number(t.tick_at) === at).map((t) => t.outcome)).toEqual(["succeeded"]);
        }
        // Nothing ran for a tick that was not planned.
        const keys = new Set(expected.map((at) => `${SCHEDULER_ACTOR}|${action}|tick:${job}:${at}`));
        const outside = runs.filter((r) => r.action_id === action && !keys.has(r.idempotency_key!));
        expect(outside.every((r) => Number(r.idempotency_key!.split(":").pop()) <= from || Number(r.idempotency_key!.split(":").pop()) > to)).toBe(true);
        report[job] = { ticks: expected.length, runsPerTick: expected.map((at) => runs.filter((r) => r.idempotency_key === `${SCHEDULER_ACTOR}|${action}|tick:${job}:${at}`).length), instancesThatRanTicks: new Set(claimed.map((t) => t.instance)).size };
      }
      // The catalog agrees: one backup per backup tick (not two), each verified once by its tick.
      const backupsTaken = await db.selectFrom("backups_catalog" as never).select(["id", "started_at", "status"] as never).where("target" as never, "=", "shop" as never).execute();
      const backupTicks = ticksBetween(BACKUP_CRON, from, to);
      for (const at of backupTicks) {
        const inWindow = (backupsTaken as { started_at: string | number }[]).filter((b) => Number(b.started_at) >= at && Number(b.started_at) < at + 10_000);
        expect(inWindow, `backups taken for the tick at ${new Date(at).toISOString()}`).toHaveLength(1);
      }
      // The runbook verification pass ran once per period too, not once per instance.
      const passes = ticks.filter((t) => t.job === RUNBOOK_VERIFICATION_JOB);
      expect(passes.length).toBeGreaterThanOrEqual(Math.floor((to - from) / VERIFY_EVERY_MS));
      expect(new Set(passes.map((t) => Number(t.tick_at))).size).toBe(passes.length);
      expect(passes.every((t) => t.outcome === "succeeded")).toBe(true);
      console.info(JSON.stringify({ minutes: (to - from) / 60_000, ...report, runbookPasses: passes.length }));
    },
    RUN_MS + 210_000,
  );
});
