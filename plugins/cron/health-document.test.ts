import { describe, expect, it } from "vitest";
import { HealthDocumentSchema } from "./config";
import { runFromDocument } from "./health-document";

const cfg = HealthDocumentSchema.parse({ path: "opsHealth/autoReleaseProtected" });

describe("a health document as a run", () => {
  it("a clean document is a successful run ending at lastRunAt, with its counts as the excerpt", () => {
    const run = runFromDocument("autorelease", cfg, { lastRunAt: "2026-11-27T10:00:00.000Z", scannedCount: 14, releasedCount: 3, errorsCount: 0, lastError: null });
    expect(run).toMatchObject({ outcome: "success", endedAt: Date.parse("2026-11-27T10:00:00Z"), startedAt: null, durationMs: null, source: "health-document" });
    expect(run!.excerpt).toBe("scannedCount 14 · releasedCount 3 · errorsCount 0");
  });

  it("errorsCount > 0 or a lastError makes it a failed run; startedAt or durationMs give its duration", () => {
    expect(runFromDocument("a", cfg, { lastRunAt: "2026-11-27T10:00:00Z", errorsCount: 2 })!.outcome).toBe("fail");
    const withError = runFromDocument("a", cfg, { lastRunAt: "2026-11-27T10:00:00Z", errorsCount: 0, lastError: "9 FAILED_PRECONDITION: needs an index", startedAt: "2026-11-27T09:59:30Z" })!;
    expect(withError).toMatchObject({ outcome: "fail", durationMs: 30_000, startedAt: Date.parse("2026-11-27T09:59:30Z") });
    expect(withError.excerpt).toContain("lastError: 9 FAILED_PRECONDITION");
    expect(runFromDocument("a", cfg, { lastRunAt: 1_764_237_600, durationMs: 2_500 })).toMatchObject({ endedAt: 1_764_237_600_000, durationMs: 2_500 });
  });

  it("a document without lastRunAt names no run", () => {
    expect(runFromDocument("a", cfg, { scannedCount: 1 })).toBeNull();
    expect(runFromDocument("a", cfg, { lastRunAt: "yesterday" })).toBeNull();
  });
});

describe("two instances watching one health document", () => {
  it("record its run once: the run's id is the job and its lastRunAt, inserted once", async () => {
    const { Kysely, SqliteDialect } = await import("kysely");
    const SQLite = (await import("better-sqlite3")).default;
    const { CronStore, migrations } = await import("./store");
    const { HealthDocumentWatcher } = await import("./health-document");
    const { CronJobSchema } = await import("./config");
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(":memory:") }) });
    for (const m of Object.values(migrations)) await m.up(db);
    const store = new CronStore(db, "sqlite", (t) => t);
    const jobs = { autorelease: CronJobSchema.parse({ schedule: "*/5 * * * *", healthDocument: { path: "opsHealth/autoReleaseProtected" } }) };
    const doc = { lastRunAt: "2026-11-27T10:00:00.000Z", scannedCount: 14, releasedCount: 3, errorsCount: 0 };
    // Both instances read the document before either has written: the read-then-write check cannot tell.
    let release!: () => void;
    const bothRead = new Promise<void>((r) => (release = r));
    let reads = 0;
    const reader = {
      async get() {
        if (++reads === 2) release();
        await bothRead;
        return doc;
      },
    };
    const services = { get: <T>() => reader as T };
    const log = { info() {}, warn() {}, error() {}, debug() {} };
    const a = new HealthDocumentWatcher(jobs, services as never, store, log as never, () => {});
    const b = new HealthDocumentWatcher(jobs, services as never, store, log as never, () => {});
    const recorded = await Promise.all([a.check("autorelease"), b.check("autorelease")]);
    const rows = await db.selectFrom("cron_runs").selectAll().where("job", "=", "autorelease").execute();
    expect(rows).toHaveLength(1);
    expect(recorded.filter(Boolean)).toHaveLength(1);
    await db.destroy();
  });
});
