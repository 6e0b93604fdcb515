import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../../../tests/helpers/portal";
import { migrate, openStore, type Store } from "../db/store.server";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fixturePlugin } from "../../../tests/helpers/probe-fixture";
import { setupPlugins } from "../plugins/registry.server";
import { ProbeEngine } from "./engine.server";
import { electLeader, ProbeSampler, startScheduler, type Leadership } from "./sampler.server";
import { evaluate, parseThreshold, parseThresholds, worst } from "./thresholds.server";

const log = pino({ level: "silent" });

describe("thresholds", () => {
  it("parses the operators with an optional duration", () => {
    expect(parseThreshold("> 5")).toMatchObject({ op: ">", operand: 5, forMs: 0 });
    expect(parseThreshold(">= 2")).toMatchObject({ op: ">=", operand: 2 });
    expect(parseThreshold("< 1")).toMatchObject({ op: "<", operand: 1 });
    expect(parseThreshold("== 0")).toMatchObject({ op: "==", operand: 0 });
    expect(parseThreshold("> 0 for 10m")).toMatchObject({ op: ">", operand: 0, forMs: 600_000 });
    expect(parseThreshold("<=-1.5")).toMatchObject({ op: "<=", operand: -1.5 });
    for (const bad of ["5", "> five", "=> 2", "> 0 for ten minutes", ""]) expect(() => parseThreshold(bad)).toThrow(/not a threshold/);
  });

  it("critical beats warn; a failed or missing value is never ok by threshold", () => {
    const t = parseThresholds({ warn: ">= 2", critical: "> 5" });
    expect(evaluate(t, 1, 0, [])).toBe("ok");
    expect(evaluate(t, 2, 0, [])).toBe("warn");
    expect(evaluate(t, 6, 0, [])).toBe("critical");
    expect(evaluate(parseThresholds({ critical: "< 1" }), 0, 0, [])).toBe("critical");
    expect(evaluate(parseThresholds({ critical: "== 0" }), 0, 0, [])).toBe("critical");
    // A plugin that knows better wins unless a threshold says worse.
    expect(evaluate(t, 1, 0, [], "critical")).toBe("critical");
    expect(evaluate(t, 6, 0, [], "ok")).toBe("critical");
    expect(worst(["ok", "unknown", "warn"])).toBe("warn");
    expect(worst([])).toBe("unknown");
  });
});

describe("sampler leader election (PostgreSQL)", () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
  });

  it("only one instance leads; when it stops another takes over", async () => {
    const db = await freshDatabaseUrl("postgres");
    stops.push(() => db.drop());
    const stores: Store[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await openStore(db.url);
      stops.push(() => s.close());
      stores.push(s);
    }
    await migrate(stores[0]);
    const leaders: Leadership[] = [];
    for (const s of stores) {
      const l = await electLeader(s, log, { retryMs: 100 });
      leaders.push(l);
    }
    const stopAll = async () => {
      for (const l of leaders) await l.stop();
    };
    stops.push(stopAll);
    await new Promise((r) => setTimeout(r, 300));
    expect(leaders.filter((l) => l.isLeader())).toHaveLength(1);
    expect(leaders[0].isLeader()).toBe(true);

    await leaders[0].stop();
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && !leaders.slice(1).some((l) => l.isLeader())) await new Promise((r) => setTimeout(r, 50));
    expect(leaders.filter((l) => l.isLeader())).toHaveLength(1);
    expect(leaders[0].isLeader()).toBe(false);
  });

  it("SQLite always leads (one instance per file)", async () => {
    const db = await freshDatabaseUrl("sqlite");
    const s = await openStore(db.url);
    stops.push(async () => {
      await s.close();
      await db.drop();
    });
    const l = await electLeader(s, log);
    expect(l.isLeader()).toBe(true);
    await l.stop();
  });
});

describe("sampling keeps the probe's interval on PostgreSQL", () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
  });

  it("a probe every 1 s whose source takes 40 ms is stored once per second, not every other second", async () => {
    const db = await freshDatabaseUrl("postgres");
    stops.push(() => db.drop());
    const store = await openStore(db.url);
    stops.push(() => store.close());
    await migrate(store);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-sampler-"));
    stops.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const fx = fixturePlugin("fs", [{ id: "slowish", every: "1s" }]);
    fx.state.delayMs.slowish = 40;
    const registry = await setupPlugins({ installed: [fx.plugin], configs: { fs: {} }, demo: false, dataDir, log });
    stops.push(() => registry.stop());
    const engine = new ProbeEngine({ registry, probes: { retention: "14d", sampling: true, concurrencyPerPlugin: 4, overrides: {} }, store, log });
    const sampler = new ProbeSampler(engine, store, log, 14 * 86_400_000);
    const started = Date.now();
    const scheduler = startScheduler(engine, sampler, { isLeader: () => true, stop: async () => {} }, log);
    await new Promise((r) => setTimeout(r, 6_500));
    await scheduler.stop();
    const rows = await store.db.selectFrom("probe_samples").select("at").where("probe_id", "=", "fs.slowish").orderBy("at").execute();
    const elapsed = Date.now() - started;
    // The first tick lands within the first second, then one per second: at least 5 in 6.5 s (the defect stored every ~2 s: 3).
    expect(rows.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 1000) - 1);
    const gaps = rows.slice(1).map((r, i) => Number(r.at) - Number(rows[i]!.at));
    expect(Math.max(...gaps)).toBeLessThan(1_500);
  }, 20_000);
});
