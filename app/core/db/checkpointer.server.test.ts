import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_AUTOCHECKPOINT_PAGES, startCheckpointer } from "./checkpointer.server";
import { openStore } from "./store.server";

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-wal-"));
  dirs.push(dir);
  return path.join(dir, "store.sqlite");
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function walDatabase(file: string): SQLite.Database {
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("create table t (id integer primary key, body text not null)");
  return db;
}

const autocheckpoint = (db: SQLite.Database) => db.pragma("wal_autocheckpoint", { simple: true });
const waitFor = async (ok: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms;
  while (!ok() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  return ok();
};

describe("WAL checkpoints off the event loop", () => {
  it("a store on a SQLite file checkpoints in a worker while the main connection's automatic checkpoint is off; closing turns it back on", async () => {
    const file = tempFile();
    const store = await openStore(file);
    expect(await store.checkpointer!.ready).toBe(true);
    expect(store.checkpointer!.active).toBe(true);
    expect(autocheckpoint(store.sqlite!)).toBe(0);
    store.sqlite!.exec("create table t (id integer primary key, body text not null)");
    const insert = store.sqlite!.prepare("insert into t (body) values (?)");
    for (let i = 0; i < 500; i++) insert.run(`row ${i} ${"x".repeat(200)}`);
    // The worker copies the WAL back into the database on its own.
    expect(await waitFor(() => (store.checkpointer!.last?.checkpointed ?? 0) > 0)).toBe(true);
    const sqlite = store.sqlite!;
    await store.close();
    expect(store.checkpointer!.active).toBe(false);
    expect(sqlite.open).toBe(false);
    // Nothing was lost on the way.
    const again = new SQLite(file, { readonly: true });
    expect(again.prepare("select count(*) as n from t").get()).toEqual({ n: 500 });
    again.close();
  });

  it("under writes without a pause the WAL is made to start over past its cap, so it stays bounded", async () => {
    const file = tempFile();
    const db = walDatabase(file);
    const cp = startCheckpointer(db, file, { everyMs: 5, maxFrames: 50 });
    expect(await cp.ready).toBe(true);
    const insert = db.prepare("insert into t (body) values (?)");
    const until = Date.now() + 1_500;
    let n = 0;
    while (Date.now() < until && cp.restarts < 2) {
      for (let k = 0; k < 20; k++) insert.run(`row ${n++} ${"y".repeat(500)}`);
      await new Promise((r) => setImmediate(r));
    }
    expect(cp.restarts).toBeGreaterThanOrEqual(1);
    await cp.stop();
    expect(autocheckpoint(db)).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    expect(db.prepare("select count(*) as n from t").get()).toEqual({ n });
    db.close();
  });

  it("when the worker cannot open the database, the main connection keeps SQLite's automatic checkpoint", async () => {
    const file = tempFile();
    const db = walDatabase(file);
    const cp = startCheckpointer(db, path.join(path.dirname(file), "missing", "other.sqlite"));
    expect(await cp.ready).toBe(false);
    expect(cp.active).toBe(false);
    expect(cp.lastProblem).toMatch(/unable to open|directory does not exist|no such file/i);
    expect(autocheckpoint(db)).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    await cp.stop();
    db.close();
  });

  it("an in-memory store has no WAL and no worker", async () => {
    const store = await openStore(":memory:");
    expect(store.checkpointer).toBeUndefined();
    await store.close();
  });
});
