// Demo mode: the shop's private PostgreSQL, its Firestore emulator and the portal's own store as
// targets, with real backups seeded on first start — healthy targets (portal and shop-firestore:
// backed up and verified now), and a stale target (shop: its newest backup is two days old,
// yesterday's is missing) whose older backup has one corrupted byte, so its verification fails.
// The seeded runs are recorded on the targets' scheduled cron jobs too, so the shop's backup job
// shows as down there like any other job that missed its runs.
import crypto from "node:crypto";
import fs from "node:fs";
import type { Logger } from "../plugin-api";
import type { CronJobReporter } from "../cron/api";
import type { Catalog } from "./catalog";
import { takeBackup, verifyBackup, type Source } from "./engine";

const HOUR = 3_600_000;

export async function seedDemoBackups(o: { catalog: Catalog; dir: string; sources: Record<string, Source>; log: Logger; live: Set<string>; reporters?: Record<string, CronJobReporter> }) {
  const { catalog, dir, log } = o;
  const existing = await catalog.list();
  const seedOne = async (target: string, ageH: number, corrupt = false) => {
    const source = o.sources[target]!;
    const takenAt = Date.now() - ageH * HOUR;
    const id = `${target}-demo-${new Date(takenAt).toISOString().slice(0, 10).replace(/-/g, "")}-${crypto.randomBytes(3).toString("hex")}`;
    // The backup is real; only its clock is set back, as if it had been taken then.
    o.live.add(id); // not taken for an interrupted backup while it runs
    let row;
    try {
      row = await takeBackup({ id, target, source, dir, catalog, now: () => takenAt + (Date.now() - startedReal) });
    } finally {
      o.live.delete(id);
    }
    if (corrupt) {
      const fd = fs.openSync(row.file!, "r+");
      const at = Math.floor((row.size ?? 2) / 2);
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, at);
      b[0] = b[0]! ^ 0xff;
      fs.writeSync(fd, b, 0, 1, at);
      fs.closeSync(fd);
    }
    const v0 = Date.now();
    const v = await verifyBackup(row, { source, catalog });
    await o.reporters?.[`backup-${target}`]?.record({ startedAt: row.startedAt, endedAt: row.endedAt ?? row.startedAt, outcome: "success", excerpt: `backup ${row.id}` }).catch(() => {});
    await o.reporters?.[`verify-${target}`]?.record({ startedAt: v0, endedAt: Date.now(), outcome: v.status === "passed" ? "success" : "fail", excerpt: `${row.id}: ${v.detail}` }).catch(() => {});
    return row;
  };
  const startedReal = Date.now();
  try {
    if (o.sources.portal && !existing.some((r) => r.target === "portal")) await seedOne("portal", 0.2);
    if (o.sources["shop-firestore"] && !existing.some((r) => r.target === "shop-firestore")) await seedOne("shop-firestore", 0.5);
    if (o.sources.shop && !existing.some((r) => r.target === "shop")) {
      await seedOne("shop", 72, true); // three days ago: one byte corrupted → fails verification
      await seedOne("shop", 50); // two days ago and nothing since: stale
    }
  } catch (e) {
    log.warn({ err: String(e).slice(0, 400) }, "backups demo: could not seed the demo backups");
  }
}
