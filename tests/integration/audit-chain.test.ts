import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appendAudit, appendAuditBatch, entryHash, GENESIS_HASH, verifyChainRows, type AuditEntry } from "~/core/audit/chain.server";
import { checkpointSettings, verifyAudit, writeCheckpoint } from "~/core/audit/checkpoints.server";
import type { Store } from "~/core/db/store.server";
import { DIALECTS, freshDatabaseUrl, testStore } from "../helpers/portal";
import { migrate, openStore } from "~/core/db/store.server";

const ROOT = path.resolve(__dirname, "../..");
const KEY = "test-checkpoint-key-0123456789abcdef";

/** `npm run audit:verify` against one store, as an operator would run it. */
function verifyCli(databaseUrl: string, dataDir: string): { code: number | null; out: string } {
  const configFile = path.join(dataDir, "app-config.yaml");
  fs.writeFileSync(configFile, "app:\n  demo: true\n");
  const r = spawnSync("npm", ["run", "--silent", "audit:verify"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, OPSDECK_CONFIG: configFile, OPSDECK_DATA_DIR: dataDir, OPSDECK_AUDIT_KEY: KEY },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

async function seed(store: Store, n: number) {
  for (let i = 1; i <= n; i++) {
    await appendAudit(store, {
      actor: i % 2 ? "admin" : "responder",
      roles: [i % 2 ? "admin" : "responder"],
      action: "demo.flush-cache",
      target: `cache:c${i}`,
      outcome: i % 3 ? "succeeded" : "started",
      details: { i, note: "ünïcode ✓", nested: { b: 2, a: 1 } },
      runId: `run_${i}`,
    });
  }
}

async function row(store: Store, seq: number): Promise<AuditEntry> {
  const r = await store.db.selectFrom("audit_entries").selectAll().where("seq", "=", seq).executeTakeFirstOrThrow();
  return { ...r, seq: Number(r.seq), at: Number(r.at) } as AuditEntry;
}

type Tamper = (store: Store) => Promise<void>;

const TAMPERS: Record<string, { tamper: Tamper; expect: RegExp }> = {
  "edit one entry": {
    tamper: async (s) => {
      await s.db.updateTable("audit_entries").set({ actor: "mallory" }).where("seq", "=", 7).execute();
    },
    expect: /entry 7 was altered/,
  },
  "delete one entry": {
    tamper: async (s) => {
      await s.db.deleteFrom("audit_entries").where("seq", "=", 7).execute();
    },
    expect: /entry 7 is missing/,
  },
  "insert one entry": {
    tamper: async (s) => {
      // Make room at seq 8 and slip in a well-formed entry that links to 7.
      await s.db.updateTable("audit_entries").set((eb) => ({ seq: eb("seq", "+", 1000) })).where("seq", ">=", 8).execute();
      await s.db.updateTable("audit_entries").set((eb) => ({ seq: eb("seq", "-", 999) })).where("seq", ">=", 1008).execute();
      const seven = await row(s, 7);
      const forged = { ...seven, seq: 8, actor: "mallory", target: "cache:forged", prev_hash: seven.hash };
      await s.db.insertInto("audit_entries").values({ ...forged, hash: entryHash(forged) }).execute();
    },
    expect: /entry 9 does not link to entry 8/,
  },
  "reorder two entries": {
    tamper: async (s) => {
      await s.db.updateTable("audit_entries").set({ seq: 1000 }).where("seq", "=", 7).execute();
      await s.db.updateTable("audit_entries").set({ seq: 7 }).where("seq", "=", 8).execute();
      await s.db.updateTable("audit_entries").set({ seq: 8 }).where("seq", "=", 1000).execute();
    },
    expect: /entry 7 (does not link|was altered)/,
  },
  "truncate the tail": {
    tamper: async (s) => {
      await s.db.deleteFrom("audit_entries").where("seq", ">", 15).execute();
    },
    expect: /ends at entry 15 .* entries 16–20 were cut off/,
  },
  "rewrite history with recomputed hashes": {
    tamper: async (s) => {
      let prev = await row(s, 6);
      for (let seq = 7; seq <= 20; seq++) {
        const r = await row(s, seq);
        const next = { ...r, actor: seq === 7 ? "mallory" : r.actor, prev_hash: prev.hash };
        const hash = entryHash(next);
        await s.db.updateTable("audit_entries").set({ actor: next.actor, prev_hash: next.prev_hash, hash }).where("seq", "=", seq).execute();
        prev = { ...next, hash };
      }
    },
    expect: /entry 20 differs from the signed checkpoint/,
  },
};

describe.each(DIALECTS)("hash-chained audit log on %s", (dialect) => {
  it("chains entries over canonical JSON and verifies intact", async () => {
    const { store, cleanup } = await testStore(dialect);
    try {
      await seed(store, 5);
      const first = await row(store, 1);
      expect(first.prev_hash).toBe(GENESIS_HASH);
      expect(entryHash(first)).toBe(first.hash);
      expect(first.details).toBe('{"i":1,"nested":{"a":1,"b":2},"note":"ünïcode ✓"}');
      const second = await row(store, 2);
      expect(second.prev_hash).toBe(first.hash);
      expect(second.at).toBeGreaterThanOrEqual(first.at);
    } finally {
      await cleanup();
    }
  });

  it("concurrent appends from many connections form one chain", async () => {
    const db = await freshDatabaseUrl(dialect);
    // PostgreSQL: three pools (the advisory lock serializes them). SQLite: one connection per
    // process by design (a second connection in the same thread would block it), so concurrency
    // comes from interleaved async appends on the one store.
    const stores = await Promise.all((dialect === "postgres" ? [0, 1, 2] : [0]).map(() => openStore(db.url)));
    try {
      await migrate(stores[0]);
      await Promise.all(
        [0, 1, 2].flatMap((k) => Array.from({ length: 30 }, (_, i) => appendAudit(stores[k % stores.length], { actor: `a${k}`, roles: [], action: "x", target: `t${i}`, outcome: "succeeded" }))),
      );
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-audit-"));
      // As the server does before it answers: a signed checkpoint covers what was appended.
      await writeCheckpoint(stores[0], { file: path.join(dir, "audit-checkpoints.ndjson"), key: Buffer.from(KEY), keySource: "env" });
      const r = verifyCli(db.url, dir);
      expect(r.out).toContain("intact: 90 entries");
      expect(r.code).toBe(0);
    } finally {
      for (const s of stores) await s.close();
      await db.drop();
    }
  });

  for (const [name, t] of Object.entries(TAMPERS)) {
    it(`npm run audit:verify detects: ${name}`, async () => {
      const db = await freshDatabaseUrl(dialect);
      const store = await openStore(db.url);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-audit-"));
      try {
        await migrate(store);
        await seed(store, 20);
        const settings = checkpointSettings({ config: { audit: { checkpointEvery: "1m" } }, dataDir: dir, env: { OPSDECK_AUDIT_KEY: KEY } });
        expect(await writeCheckpoint(store, settings)).toMatchObject({ seq: 20 });
        expect(await writeCheckpoint(store, settings)).toBeNull(); // head unchanged: no new line
        const before = await verifyAudit(store, settings);
        expect(before.ok).toBe(true);
        await t.tamper(store);
        const after = verifyCli(db.url, dir);
        expect(after.code, after.out).toBe(1);
        expect(after.out).toMatch(t.expect);
      } finally {
        await store.close();
        await db.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("a forged checkpoint (wrong key) is reported", async () => {
    const db = await freshDatabaseUrl(dialect);
    const store = await openStore(db.url);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-audit-"));
    try {
      await migrate(store);
      await seed(store, 3);
      const forger = checkpointSettings({ config: { audit: { checkpointEvery: "1m" } }, dataDir: dir, env: { OPSDECK_AUDIT_KEY: "not-the-real-key-at-all-000000" } });
      await writeCheckpoint(store, forger);
      const r = verifyCli(db.url, dir);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/invalid signature/);
    } finally {
      await store.close();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("checkpoint key", () => {
  it("is generated once in the data folder with mode 0600 when none is configured", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-key-"));
    try {
      const a = checkpointSettings({ config: { audit: { checkpointEvery: "1m" } }, dataDir: dir, env: {}, create: true });
      const b = checkpointSettings({ config: { audit: { checkpointEvery: "1m" } }, dataDir: dir, env: {} });
      expect(a.keySource).toBe("file");
      expect(a.key!.equals(b.key!)).toBe(true);
      expect(fs.statSync(path.join(dir, "audit-checkpoint.key")).mode & 0o777).toBe(0o600);
      expect(a.file).toBe(path.join(dir, "audit-checkpoints.ndjson"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("large SQLite chains (verified on two threads)", () => {
  it("finds an edited, deleted or relinked entry in either half and at the boundary", async () => {
    const { store, cleanup } = await testStore("sqlite");
    try {
      const n = 210_000;
      for (let i = 0; i < n; i += 30_000) {
        await appendAuditBatch(
          store,
          Array.from({ length: 30_000 }, (_, j) => ({ actor: `u${(i + j) % 7}`, roles: ["admin"], action: "demo.x", target: `t${i + j}`, outcome: "succeeded" as const, details: { k: i + j, s: 'quote " and \\ slash' } })),
        );
      }
      const ok = await verifyChainRows(store);
      expect(ok.problem).toBeNull();
      expect(ok.checked).toBe(n);

      const check = async (seq: number, tamper: () => Promise<unknown>, restore: () => Promise<unknown>, expected: RegExp) => {
        await tamper();
        const r = await verifyChainRows(store);
        expect(r.problem?.seq).toBe(seq);
        expect(r.problem?.problem).toMatch(expected);
        await restore();
      };
      const mid = n / 2;
      for (const seq of [5, mid - 1, mid + 1, n - 3]) {
        const orig = await row(store, seq);
        await check(
          seq,
          () => store.db.updateTable("audit_entries").set({ target: "tampered" }).where("seq", "=", seq).execute(),
          () => store.db.updateTable("audit_entries").set({ target: orig.target }).where("seq", "=", seq).execute(),
          /was altered/,
        );
        await check(
          seq,
          () => store.db.deleteFrom("audit_entries").where("seq", "=", seq).execute(),
          () => store.db.insertInto("audit_entries").values(orig).execute(),
          /is missing/,
        );
      }
      const boundary = await row(store, mid + 1);
      await check(
        mid + 1,
        () => store.db.updateTable("audit_entries").set({ prev_hash: "f".repeat(64) }).where("seq", "=", mid + 1).execute(),
        () => store.db.updateTable("audit_entries").set({ prev_hash: boundary.prev_hash }).where("seq", "=", mid + 1).execute(),
        /does not link/,
      );
      expect((await verifyChainRows(store)).problem).toBeNull();
    } finally {
      await cleanup();
    }
  }, 240_000);
});
