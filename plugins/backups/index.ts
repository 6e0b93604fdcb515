import crypto from "node:crypto";
import { backupsDoctor } from "./doctor";
import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { z } from "zod";
import { ActionInputError, action, definePlugin, formatAge, parseDuration, probe, provide, type Logger, type PluginDatabase, type ProbeDefinition } from "../plugin-api";
import { cronPingsRef, type CronJobReporter } from "../cron/api";
import { firestoreCollectionsRef, type FirestoreCollections } from "../firestore/api";
import { backupsRef, type BackupsService } from "./api";
import { Catalog, migrations, type CatalogRow } from "./catalog";
import { BackupsConfigSchema, type BackupsConfig, type BackupTarget } from "./config";
import { formatBytes, removeLeftovers, sha256File, takeBackup, verifyBackup, type Source } from "./engine";
import { previewFirestoreRestore, restoreFirestore } from "./firestore";
import { seedDemoBackups } from "./demo";
import { restoreChoices } from "./choices";
import { gcpExportProbes } from "./gcp-exports";
import { demoExports, gcpSandboxHandler } from "./gcp-sandbox";
import { applyRetention, describePolicy } from "./retention";
import { previewRestore, restoreBackup } from "./restore";

export { migrations };


/** Where a target's data lives; null + reason when the plugin cannot reach it in this setup. */
/** Firestore targets read through the firestore plugin; schedules are watched as cron jobs. Both optional. */
const deps = { collections: firestoreCollectionsRef.optional(), cron: cronPingsRef.optional() };

async function sourceOf(target: BackupTarget, database: PluginDatabase | undefined, collections: FirestoreCollections | undefined): Promise<Source | { unavailable: string }> {
  if (target.kind === "postgres") return { kind: "postgres", url: target.connection };
  if (target.kind === "firestore") {
    const service = target.service === firestoreCollectionsRef.id ? collections : undefined;
    if (!service) return { unavailable: `no "${target.service}" service: enable the firestore plugin (plugins.firestore) to back up Firestore collections` };
    return { kind: "firestore", service, collections: target.collections, ...(target.verifyEmulatorHost ? { verifyEmulatorHost: target.verifyEmulatorHost } : {}) };
  }
  if (!database) return { unavailable: "the portal's store is not available to the plugin" };
  if (database.dialect === "postgres") {
    if (!target.connection) return { unavailable: "the portal runs on PostgreSQL: set plugins.backups.targets.<name>.connection to its URL so pg_dump can read it" };
    return { kind: "postgres", url: target.connection };
  }
  const rows = await sql<{ name: string; file: string }>`pragma database_list`.execute(database.db);
  const main = rows.rows.find((r) => r.name === "main");
  if (!main?.file) return { unavailable: "the portal's SQLite store is in memory: nothing on disk to back up" };
  return { kind: "sqlite", file: main.file };
}

export type { BackupsService };

export default definePlugin<BackupsConfig, typeof deps>({
  id: "backups",
  title: "Backups",
  description: "Backups proven restorable: catalog with manifests, verification by a real restore, GFS retention and guarded restore.",
  config: BackupsConfigSchema,
  doctor: backupsDoctor,
  provides: [backupsRef],
  deps,
  migrations,
  async demo({ world }) {
    const targets: Record<string, unknown> = { portal: { kind: "portal", maxAge: "26h", schedule: "0 3 * * *", verifySchedule: "0 4 * * *" } };
    // The shop's Postgres is a target when it is a real server: Debian's pg_dump 15 refuses PGlite.
    const url = world ? await world.waitFor<string>("postgres.url", 120_000).catch(() => null) : null;
    if (url && world?.get<string>("postgres.engine") === "postgresql") targets.shop = { kind: "postgres", connection: url, maxAge: "26h", schedule: "15 3 * * *", verifySchedule: "15 4 * * *" };
    // The shop's Firestore (the emulator the firestore plugin's demo started), through its service.
    if (world?.get("firestore.emulator")) targets["shop-firestore"] = { kind: "firestore", collections: [...DEMO_FIRESTORE_COLLECTIONS], maxAge: "26h", schedule: "45 3 * * *", verifySchedule: "45 4 * * *" };
    // The shop's production Firestore is also exported daily by GCP itself (managed exports to a
    // bucket): a sandbox of the Admin API and the Storage listing on the shop's server shows those.
    let gcp: Record<string, unknown> | undefined;
    if (world) {
      const where = { project: "wildlife-exchange-demo", bucket: "wx-firestore-exports", prefix: "exports/", token: `demo-gcp-${crypto.randomBytes(12).toString("hex")}` };
      const handler = gcpSandboxHandler(() => demoExports(Date.now(), where));
      world.route("GET", "/gcp/firestore/v1/*", handler);
      world.route("GET", "/gcp/storage/storage/v1/*", handler);
      gcp = { ...where, adminUrl: `${world.shopUrl}/gcp/firestore`, storageUrl: `${world.shopUrl}/gcp/storage` };
    }
    return { config: { targets, ...(gcp ? { gcp } : {}) }, async stop() {} };
  },
  async setup({ config, log, database, dataDir, demo, world, deps: { collections, cron }, schedule, scrubber }) {
    if (!database) throw new Error("plugins.backups: needs the portal's store for its catalog (setup without a database)");
    const catalog = new Catalog(database.db);
    const dir = path.resolve(config.storage.dir ?? path.join(dataDir, "backups"));
    fs.mkdirSync(dir, { recursive: true });
    const live = new Set<string>();
    const now = () => Date.now();

    /** Rows a killed process left `running`: marked failed and their files removed. */
    async function recover() {
      for (const row of await catalog.interrupted(live, now())) {
        removeLeftovers(row);
        log.warn({ backup: row.id, target: row.target }, "backups: an interrupted backup was marked failed and its partial files removed");
      }
    }
    await recover();

    const targetOf = (name: string) => {
      const t = config.targets[name];
      if (!t) throw new ActionInputError(`unknown backup target "${name}"`, { target: [`not one of: ${Object.keys(config.targets).join(", ") || "(none configured)"}`] });
      return t;
    };
    const sourceFor = async (name: string) => {
      const s = await sourceOf(targetOf(name), database, collections);
      if ("unavailable" in s) throw new Error(`target ${name}: ${s.unavailable}`);
      return s;
    };

    const service: BackupsService = {
      catalog,
      async backupNow(target, run, signal) {
        const source = await sourceFor(target);
        await recover();
        const id = `${target}-${new Date(now()).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}-${crypto.randomBytes(3).toString("hex")}`;
        live.add(id);
        try {
          return await takeBackup({ id, target, source, dir, catalog, now, run, signal });
        } finally {
          live.delete(id);
        }
      },
      async verify(target, backupId, run, signal) {
        const source = await sourceFor(target);
        const rows = await catalog.list(target);
        const row = backupId ? rows.find((r) => r.id === backupId) : rows.find((r) => r.status === "good");
        if (!row) throw new ActionInputError(backupId ? `no backup "${backupId}" for target ${target}` : `target ${target} has no finished backup to verify`, { backupId: ["not in the catalog"] });
        return { ...(await verifyBackup(row, { source, catalog, now, run, signal })), backupId: row.id };
      },
    };

    /** The target's finished backups, each kept or not and why; the newest verified one always stays. */
    const retentionOf = async (name: string) =>
      applyRetention((await catalog.list(name)).filter((r) => r.status === "good"), (r) => r.endedAt ?? r.startedAt, targetOf(name).retention, { verified: (r) => r.verifyStatus === "passed" });

    /** A restore of a backup that is missing, of another target, or failed its verification cannot succeed: refused before anyone approves it. */
    function restorable(row: CatalogRow | null, i: { target: string; backupId: string }): asserts row is CatalogRow {
      if (!row || row.target !== i.target || row.status !== "good") throw new ActionInputError(`no good backup "${i.backupId}" for target ${i.target}`, { backupId: ["not a good backup of this target"] });
      if (row.verifyStatus === "failed") {
        throw new ActionInputError(`backup ${row.id} failed its verification (${row.verifyDetail ?? "no detail"}): restoring it would fail or restore bad data; choose a verified backup`, {
          backupId: ["failed verification: choose a backup that passed"],
        });
      }
    }

    const targetInput = z.object({ target: z.string().min(1) }).strict();
    const probes: ProbeDefinition[] = [];

    // Schedules: the portal claims each tick in its store (once across instances) and runs the
    // action as system:scheduler (per-target lock, audit); the cron plugin watches each as a job.
    const reporters: Record<string, CronJobReporter> = {};
    for (const [name, target] of Object.entries(config.targets)) {
      const jobs = [
        { job: `backup-${name}`, expr: target.schedule, what: "backup", title: `Backup of ${name}`, action: "backup-now" },
        { job: `verify-${name}`, expr: target.verifySchedule, what: "verification", title: `Verification of ${name}'s newest backup`, action: "verify" },
      ];
      for (const j of jobs) {
        if (!j.expr) continue;
        let reporter: CronJobReporter | undefined;
        if (cron) {
          try {
            reporter = cron.register({ name: j.job, title: j.title, description: `Scheduled ${j.what} of backup target ${name} (plugins.backups.targets.${name})`, schedule: j.expr, timezone: target.timezone, grace: "30m", maxRuntime: "2h" });
            reporters[j.job] = reporter;
            probes.push(reporter.probe);
          } catch (e) {
            log.warn({ job: j.job, err: (e as Error).message }, "backups: the schedule runs but is not watched as a cron job");
          }
        } else log.warn({ job: j.job }, "backups: no cron plugin (cron.pings): the schedule runs but is not watched as a cron job");
        if (!schedule || !scrubber) {
          log.warn({ job: j.job }, "backups: set up without the portal's scheduler and scrubber: the schedule does not run");
          continue;
        }
        const scrub = scrubber;
        schedule({
          name: j.job,
          cron: j.expr,
          timezone: target.timezone,
          async run(tick) {
            const runId = await reporter?.start().catch(() => undefined);
            const r = await tick.runAction(j.action, { target: name });
            const summary = scrub.text(r.summary);
            const ok = r.status === "succeeded";
            if (runId) await reporter!.end(runId, ok ? "success" : "fail", summary.slice(-2000)).catch(() => {});
            if (!ok) {
              log.warn({ job: j.job, run: r.runId, status: r.status, err: summary }, `backups: scheduled ${j.what} of ${name} ${r.status}`);
              throw new Error(`${j.what} of ${name} ${r.status}: ${summary}`);
            }
            log.info({ job: j.job, run: r.runId }, `backups: scheduled ${j.what} of ${name}: ${summary}`);
            return summary;
          },
        });
      }
    }
    for (const [name, target] of Object.entries(config.targets)) {
      const maxAge = parseDuration(target.maxAge);
      probes.push(
        probe({
          id: `${name}-last-restorable`,
          title: `${name}: last proven restorable`,
          description: "Age of the newest backup whose verification restored it and matched its manifest.",
          unit: "h",
          thresholds: { warn: `> ${(maxAge / 3_600_000).toFixed(0)}`, critical: `> ${((2 * maxAge) / 3_600_000).toFixed(0)}` },
          async read(ctx) {
            const rows = await catalog.list(name);
            const proven = rows.find((r) => r.status === "good" && r.verifyStatus === "passed");
            const failedLatest = rows.find((r) => r.status === "good" && r.verifyStatus);
            if (!proven) return { value: null, status: "critical", summary: rows.length ? "no backup of this target has been proven restorable" : "no backups yet" };
            const age = ctx.now().getTime() - (proven.endedAt ?? proven.startedAt);
            const note = failedLatest && failedLatest.verifyStatus === "failed" ? `; latest verification FAILED (${failedLatest.id}: ${failedLatest.verifyDetail})` : "";
            return {
              value: Math.round((age / 3_600_000) * 10) / 10,
              summary: `${proven.id} restored in ${((proven.rtoMs ?? 0) / 1000).toFixed(1)} s, taken ${formatAge(age)} ago${note}`,
              ...(note ? { status: "critical" as const } : {}),
            };
          },
        }),
        probe({
          id: `${name}-last-good-age`,
          title: `${name}: age of the last good backup`,
          unit: "h",
          thresholds: { warn: `> ${(maxAge / 3_600_000).toFixed(0)}`, critical: `> ${((2 * maxAge) / 3_600_000).toFixed(0)}` },
          async read(ctx) {
            const good = (await catalog.list(name)).find((r) => r.status === "good");
            if (!good) return { value: null, status: "critical", summary: "no good backup" };
            const age = ctx.now().getTime() - (good.endedAt ?? good.startedAt);
            return { value: Math.round((age / 3_600_000) * 10) / 10, summary: `last good backup ${good.id}, ${formatAge(age)} old, ${formatBytes(good.size ?? 0)}` };
          },
        }),
      );
    }
    if (config.gcp) probes.push(...gcpExportProbes(config.gcp));
    probes.push(
      probe({
        id: "storage-used",
        title: "Backup storage used",
        unit: "MB",
        async read() {
          const rows = (await catalog.list()).filter((r) => r.status === "good");
          const bytes = rows.reduce((n, r) => n + (r.size ?? 0), 0);
          return { value: Math.round((bytes / 1048576) * 10) / 10, summary: `${rows.length} good backups, ${formatBytes(bytes)} in ${dir}` };
        },
      }),
      probe({
        id: "catalog",
        title: "Backups per target",
        async read(ctx) {
          const rows = (await catalog.list()).filter((r) => r.status !== "pruned").slice(0, 100);
          const bad = rows.filter((r) => r.status === "failed" || r.verifyStatus === "failed").length;
          return {
            value: bad,
            status: bad ? "warn" : "ok",
            summary: `${rows.length} backups listed; ${bad} failed or failed verification`,
            rows: rows.map((r) => ({
              target: r.target,
              backup: r.id,
              status: r.status,
              size: r.size === null ? "" : formatBytes(r.size),
              age: formatAge(ctx.now().getTime() - (r.endedAt ?? r.startedAt)),
              verification: r.verifyStatus ? `${r.verifyStatus}: ${r.verifyDetail}` : "not verified",
              "time to restore": r.rtoMs === null ? "" : `${(r.rtoMs / 1000).toFixed(1)} s`,
            })),
          };
        },
      }),
    );

    let seeding: Promise<void> = Promise.resolve();
    if (demo && world) {
      const sources: Record<string, Source> = {};
      for (const name of Object.keys(config.targets)) {
        const s = await sourceOf(config.targets[name]!, database, collections);
        if (!("unavailable" in s)) sources[name] = s;
      }
      seeding = seedDemoBackups({ catalog, dir, sources, log, live, reporters });
    }
    if (demo && !config.targets.shop) probes.push(probe({ id: "shop-unavailable", title: "shop: not backed up in this demo", async read() { return { value: null, status: "unknown", summary: "The demo shop runs on embedded PGlite here (no PostgreSQL server binaries found); Debian's pg_dump 15 refuses its server version, so the shop is not a backup target. Install postgresql to see it." }; } }));

    return {
      probes,
      provides: provide(backupsRef, service),
      async stop() {
        await seeding.catch(() => {});
      },
      actions: [
        action({
          id: "backup-now",
          title: "Back up now",
          description: "Takes a backup of one target now (pg_dump -Fc, SQLite's online backup, or a Firestore NDJSON export), with a manifest.",
          input: targetInput,
          risk: "low",
          target: (i) => i.target,
          cancellable: true,
          timeout: "2h",
          async preview(i) {
            targetOf(i.target);
            return { summary: `Take a new backup of ${i.target} into ${dir}` };
          },
          async run(i, ctx) {
            const row = await service.backupNow(i.target, ctx, ctx.signal);
            const units = row.manifest?.format === "firestore-ndjson" ? "collections" : "tables";
            return { summary: `backup ${row.id}: ${formatBytes(row.size ?? 0)}, ${Object.keys(row.manifest?.counts ?? {}).length} ${units}`, data: { id: row.id, size: row.size, sha256: row.sha256 } };
          },
        }),
        action({
          id: "verify",
          title: "Verify a backup",
          description: "Checksum, a real restore into a scratch place, and counts against the manifest; records the time to restore.",
          input: z.object({ target: z.string().min(1), backupId: z.string().min(1).optional() }).strict(),
          risk: "low",
          target: (i) => i.target,
          timeout: "2h",
          async preview(i) {
            targetOf(i.target);
            return { summary: `Restore ${i.backupId ?? `the newest good backup of ${i.target}`} into a scratch place and compare counts` };
          },
          async run(i, ctx) {
            const r = await service.verify(i.target, i.backupId, ctx, ctx.signal);
            if (r.status === "failed") throw new Error(`verification of ${r.backupId} failed: ${r.detail}`);
            return { summary: `${r.backupId}: ${r.detail}`, data: r };
          },
        }),
        action({
          id: "prune",
          title: "Prune old backups",
          description: "Retention like restic forget (keep-last, keep-hourly, keep-daily, keep-weekly, keep-monthly, keep-yearly); the newest verified backup is always kept; deletes the rest.",
          input: targetInput,
          risk: "high",
          target: (i) => i.target,
          async preview(i) {
            const t = targetOf(i.target);
            const d = await retentionOf(i.target);
            const gone = d.filter((x) => !x.keep);
            const proven = d.find((x) => x.backup.verifyStatus === "passed");
            return {
              summary: `${gone.length} backup(s) of ${i.target} would be deleted; ${d.length - gone.length} kept (${describePolicy(t.retention)}; ${proven ? `newest verified ${proven.backup.id}` : "no verified backup yet"})`,
              count: gone.length,
              rows: d.map((x) => ({
                backup: x.backup.id,
                taken: new Date(x.backup.endedAt ?? x.backup.startedAt).toISOString(),
                verification: x.backup.verifyStatus ?? "not verified",
                decision: x.keep ? "keep" : "delete",
                why: x.reasons.join(", "),
              })),
              precondition: gone.map((x) => x.backup.id).join(","),
            };
          },
          async run(i, ctx) {
            const d = await retentionOf(i.target);
            const gone = d.filter((x) => !x.keep);
            if (i.precondition !== undefined && i.precondition !== gone.map((x) => x.backup.id).join(",")) throw new Error("the catalog changed since the preview: preview again");
            for (const x of gone) {
              removeLeftovers(x.backup);
              await catalog.pruned(x.backup.id);
              ctx.log(`deleted ${x.backup.id}`);
            }
            return { summary: `deleted ${gone.length} backup(s) of ${i.target}` };
          },
        }),
        action({
          id: "restore",
          title: "Restore a backup",
          description: "Overwrites the target's data with a backup (all tables or collections, or some); takes a safety backup first and checks counts after.",
          input: z
            .object({ target: z.string().min(1), backupId: z.string().min(1), tables: z.array(z.string().min(1)).min(1).optional(), collections: z.array(z.string().min(1)).min(1).optional() })
            .strict()
            .refine((i) => !(i.tables && i.collections), { message: "give tables (PostgreSQL) or collections (Firestore), not both", path: ["collections"] }),
          risk: "critical",
          target: (i) => i.target,
          timeout: "2h",
          options: {
            backupId: async (i) => restoreChoices(await catalog.list(i.target), i.target, Date.now()),
          },
          async preview(i) {
            const source = await sourceFor(i.target);
            const row = await catalog.get(i.backupId);
            restorable(row, i);
            // A backup whose file no longer matches its checksum never previews like a good one.
            if (!row.file || !fs.existsSync(row.file) || (await sha256File(row.file)) !== row.manifest?.sha256) {
              throw new ActionInputError(`backup ${row.id} no longer matches its manifest's checksum (file missing or altered): choose another backup`, { backupId: ["checksum does not match: choose another backup"] });
            }
            if (source.kind === "firestore") {
              if (i.tables) throw new ActionInputError("a Firestore target restores collections, not tables", { tables: ["use collections for a Firestore target"] });
              return previewFirestoreRestore(row, source, i.collections);
            }
            if (i.collections) throw new ActionInputError(`${i.target} is not a Firestore target: choose tables`, { collections: ["only for Firestore targets"] });
            return previewRestore(row, source, i.tables);
          },
          async run(i, ctx) {
            const source = await sourceFor(i.target);
            const row = await catalog.get(i.backupId);
            restorable(row, i);
            if (source.kind === "firestore" && i.tables) throw new ActionInputError("a Firestore target restores collections, not tables", { tables: ["use collections for a Firestore target"] });
            if (source.kind !== "firestore" && i.collections) throw new ActionInputError(`${i.target} is not a Firestore target: choose tables`, { collections: ["only for Firestore targets"] });
            // "Always verify backup integrity before restoring": at least its checksum, now.
            if (!row.file || !fs.existsSync(row.file) || (await sha256File(row.file)) !== row.manifest?.sha256) throw new Error(`refused: backup ${row.id} no longer matches its manifest's checksum (file missing or altered); nothing was changed`);
            let safety: CatalogRow;
            try {
              ctx.log("taking a safety backup of the current state first");
              safety = await service.backupNow(i.target, ctx, ctx.signal);
            } catch (e) {
              throw new Error(`refused: the safety backup failed, nothing was restored (${(e as Error).message})`);
            }
            ctx.log(`safety backup ${safety.id} (${formatBytes(safety.size ?? 0)})`);
            const r = source.kind === "firestore" ? await restoreFirestore(row, source, i.collections, ctx) : await restoreBackup(row, source, i.tables, ctx);
            return { summary: `${r.summary}; safety backup ${safety.id}`, rows: r.rows, data: { safetyBackupId: safety.id } };
          },
        }),
      ],
    };
  },
});

/** The shop's collections in the demo's Firestore emulator (see plugins/firestore/sandbox.ts). */
const DEMO_FIRESTORE_COLLECTIONS = ["orders", "stripeEvents", "opsHealth", "adminRevenueAggregates", "adminRevenueAggState"] as const;

export type { Logger };
