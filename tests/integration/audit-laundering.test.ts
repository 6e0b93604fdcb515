import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import YAML from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { audit } from "~/core/audit/audit.server";
import { appendAudit, entryHash, useAuditKey, type AuditEntry } from "~/core/audit/chain.server";
import { AUDIT_GAP_ACTION, checkpointSettings, readCheckpoints, verifyAudit } from "~/core/audit/checkpoints.server";
import { AuditGapError } from "~/core/audit/start-check.server";
import { bootPortal } from "~/core/boot.server";
import { openStore } from "~/core/db/store.server";
import { metrics } from "~/core/metrics.server";
import type { Portal } from "~/core/portal.server";
import { DIALECTS, freshDatabaseUrl, type TestDialect } from "../helpers/portal";

// Defect 5 of issue 25: an audit tail cut could be laundered by one restart; deleting the
// checkpoint file and the key passed verification; an entry forged after the last checkpoint
// with a correct hash verified. Each attack below passed before the per-entry MAC and the start check.
const ROOT = path.resolve(__dirname, "../..");
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

interface Install {
  dir: string;
  dataDir: string;
  url: string;
  boot(options?: { acceptAuditGap?: string }): Promise<Portal>;
}

async function install(dialect: TestDialect): Promise<Install> {
  const db = await freshDatabaseUrl(dialect);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-launder-"));
  cleanups.push(async () => {
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  fs.writeFileSync(path.join(dir, "app-config.yaml"), YAML.stringify({ app: { demo: false } }));
  fs.mkdirSync(path.join(dir, "runbooks"));
  const boot = (options: { acceptAuditGap?: string } = {}) =>
    bootPortal({
      cwd: dir,
      env: { SESSION_SECRET: "launder-test-session-secret-0123456789" },
      databaseUrl: db.url,
      plugins: [],
      background: false,
      log: pino({ level: "silent" }),
      ...options,
    });
  return { dir, dataDir: path.join(dir, "data"), url: db.url, boot };
}

/** A portal writes n audited entries (each covered by a checkpoint), then stops cleanly. */
async function withEntries(inst: Install, n: number): Promise<void> {
  const portal = await inst.boot();
  try {
    for (let i = 1; i <= n; i++) {
      await audit(portal, { actor: "admin", roles: ["admin"], action: "demo.flush-cache", target: `cache:c${i}`, outcome: "succeeded", details: { i } });
    }
  } finally {
    await portal.shutdown();
  }
}

async function onStore<T>(url: string, body: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

const settingsOf = (inst: Install) => checkpointSettings({ config: { audit: { checkpointEvery: "1m" } }, dataDir: inst.dataDir, env: {} });
const checkpointFile = (inst: Install) => path.join(inst.dataDir, "audit-checkpoints.ndjson");
const keyFile = (inst: Install) => path.join(inst.dataDir, "audit-checkpoint.key");

function verifyCli(inst: Install): { code: number | null; out: string } {
  const r = spawnSync("npm", ["run", "--silent", "audit:verify"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: inst.url, OPSDECK_CONFIG: path.join(inst.dir, "app-config.yaml"), OPSDECK_DATA_DIR: inst.dataDir, OPSDECK_AUDIT_KEY: "", SESSION_SECRET: "launder-test-session-secret-0123456789" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.each(DIALECTS)("an audit log that cannot be laundered, on %s", (dialect) => {
  it("cut the last 10 entries and delete the checkpoint file: the start refuses, writes no checkpoint, and verify fails", async () => {
    const inst = await install(dialect);
    await withEntries(inst, 30);
    await onStore(inst.url, (s) => s.db.deleteFrom("audit_entries").where("seq", ">", 20).execute());
    fs.rmSync(checkpointFile(inst));

    await expect(inst.boot()).rejects.toThrow(AuditGapError);
    await expect(inst.boot()).rejects.toThrow(/checkpoint file .* is missing while the log holds 20 entries/);
    // Nothing laundered: no checkpoint was written over the cut.
    expect(fs.existsSync(checkpointFile(inst))).toBe(false);
    const report = await onStore(inst.url, (s) => verifyAudit(s, settingsOf(inst)));
    expect(report.ok).toBe(false);
    expect(report.checkpointProblems.join("\n")).toMatch(/checkpoint file .* is missing/);
  });

  it("cut the last 10 entries only: the start names the cut", async () => {
    const inst = await install(dialect);
    await withEntries(inst, 30);
    await onStore(inst.url, (s) => s.db.deleteFrom("audit_entries").where("seq", ">", 20).execute());
    await expect(inst.boot()).rejects.toThrow(/names entry 30, but the log ends at entry 20: entries 21–30 were cut off the end/);
  });

  it("forge an entry after the last checkpoint with a correct hash: the start refuses and verify fails", async () => {
    const inst = await install(dialect);
    await withEntries(inst, 5);
    await onStore(inst.url, async (s) => {
      const last = await s.db.selectFrom("audit_entries").selectAll().orderBy("seq", "desc").limit(1).executeTakeFirstOrThrow();
      const forged = { ...last, seq: Number(last.seq) + 1, at: Number(last.at) + 1, actor: "mallory", target: "user:mallory", prev_hash: last.hash } as AuditEntry;
      await s.db.insertInto("audit_entries").values({ ...forged, hash: entryHash(forged), mac: null }).execute();
      const report = await verifyAudit(s, settingsOf(inst));
      expect(report.ok).toBe(false);
      expect(report.problem?.problem).toMatch(/entry 6 carries no MAC and no signed checkpoint covers it: forged/);
    });
    await expect(inst.boot()).rejects.toThrow(/entry 6 carries no MAC .*forged/);

    // A MAC made with any other key fails just the same.
    await onStore(inst.url, async (s) => {
      await s.db.updateTable("audit_entries").set({ mac: "ab".repeat(32) }).where("seq", "=", 6).execute();
    });
    await expect(inst.boot()).rejects.toThrow(/entry 6 has an invalid MAC/);
  });

  it("rewrite an entry before the newest checkpoint with recomputed hashes: verify names the forged entry by its MAC", async () => {
    const inst = await install(dialect);
    await withEntries(inst, 8);
    await onStore(inst.url, async (s) => {
      const rows = (await s.db.selectFrom("audit_entries").selectAll().orderBy("seq", "asc").execute()).map((r) => ({ ...r, seq: Number(r.seq), at: Number(r.at) }) as AuditEntry);
      // Entry 3 says someone else did it; every later hash is recomputed so the chain links, MACs kept.
      let prev = rows.find((r) => r.seq === 2)!.hash;
      for (const r of rows.filter((r) => r.seq >= 3)) {
        const changed = { ...r, prev_hash: prev, ...(r.seq === 3 ? { actor: "mallory" } : {}) };
        const hash = entryHash(changed);
        await s.db.updateTable("audit_entries").set({ actor: changed.actor, prev_hash: prev, hash }).where("seq", "=", r.seq).execute();
        prev = hash;
      }
      const report = await verifyAudit(s, settingsOf(inst));
      expect(report.ok).toBe(false);
      expect(report.checkpointProblems.join("\n")).toMatch(/history was rewritten/);
      expect(report.problem?.seq).toBe(3);
      expect(report.problem?.problem).toMatch(/entry 3 has an invalid MAC/);
    });
  });

  it("delete the checkpoint file and the key: the start refuses and audit:verify exits non-zero", async () => {
    const inst = await install(dialect);
    await withEntries(inst, 5);
    fs.rmSync(checkpointFile(inst));
    fs.rmSync(keyFile(inst));
    await expect(inst.boot()).rejects.toThrow(/the audit key is missing .* while the log holds 5 entries/);
    expect(fs.existsSync(keyFile(inst))).toBe(false); // no key generated over the gap
    const v = verifyCli(inst);
    expect(v.code, v.out).toBe(1);
    expect(v.out).toMatch(/no audit key .* although the log holds entries/);
  });

  it("a crash between write and checkpoint: entries with valid MACs are accepted and covered at start", async () => {
    const inst = await install(dialect);
    await withEntries(inst, 3);
    const key = settingsOf(inst).key!;
    await onStore(inst.url, async (s) => {
      useAuditKey(s, key);
      for (let i = 0; i < 4; i++) await appendAudit(s, { actor: "admin", roles: ["admin"], action: "demo.flush-cache", target: `cache:late${i}`, outcome: "started" });
    });
    expect(readCheckpoints(settingsOf(inst)).checkpoints.at(-1)?.seq).toBe(3);
    const portal = await inst.boot();
    try {
      expect(readCheckpoints(settingsOf(inst)).checkpoints.at(-1)?.seq).toBe(7);
      const gauge = await metrics().registry.getSingleMetricAsString("opsdeck_audit_head_seq");
      expect(gauge).toMatch(/^opsdeck_audit_head_seq 7$/m);
      expect((await verifyAudit(portal.store, settingsOf(inst))).ok).toBe(true);
    } finally {
      await portal.shutdown();
    }
  });

  it("an admin accepts a known gap: audited with its reason and what was missing, covered, and later starts are clean", async () => {
    const inst = await install(dialect);
    await withEntries(inst, 30);
    await onStore(inst.url, (s) => s.db.deleteFrom("audit_entries").where("seq", ">", 20).execute());
    await expect(inst.boot()).rejects.toThrow(AuditGapError);

    const portal = await inst.boot({ acceptAuditGap: "restored the 02:00 database backup after disk failure" });
    try {
      const gap = await portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", AUDIT_GAP_ACTION).executeTakeFirstOrThrow();
      expect(Number(gap.seq)).toBe(21);
      const details = JSON.parse(gap.details);
      expect(details.reason).toBe("restored the 02:00 database backup after disk failure");
      expect(details.problems.join("\n")).toMatch(/entries 21–30 were cut off the end/);
      expect(details.newestCheckpointBefore.seq).toBe(30);
      expect(fs.existsSync(details.checkpointFileSetAside)).toBe(true);
      expect(readCheckpoints(settingsOf(inst)).checkpoints.at(-1)?.seq).toBe(21);
      expect((await verifyAudit(portal.store, settingsOf(inst))).ok).toBe(true);
    } finally {
      await portal.shutdown();
    }
    const again = await inst.boot();
    await again.shutdown();
  });

  it("a fresh install starts, generates its key, and publishes nothing until there is a head", async () => {
    const inst = await install(dialect);
    const portal = await inst.boot();
    try {
      expect(fs.statSync(keyFile(inst)).mode & 0o777).toBe(0o600);
      const entry = await audit(portal, { actor: "admin", roles: ["admin"], action: "demo.flush-cache", target: "cache:x", outcome: "succeeded" });
      expect(entry.mac).toMatch(/^[0-9a-f]{64}$/);
      expect(await metrics().registry.getSingleMetricAsString("opsdeck_audit_head_seq")).toMatch(/^opsdeck_audit_head_seq 1$/m);
    } finally {
      await portal.shutdown();
    }
  });
});
