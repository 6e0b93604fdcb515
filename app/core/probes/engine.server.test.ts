import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { PluginDefinition } from "../../../plugins/plugin-api";
import { fixturePlugin } from "../../../tests/helpers/probe-fixture";
import { DIALECTS, testStore, type TestDialect } from "../../../tests/helpers/portal";
import { ConfigError, type PortalConfig } from "../config.server";
import type { Store } from "../db/store.server";
import { setupPlugins } from "../plugins/registry.server";
import { CIRCUIT_FAILURES, ProbeEngine } from "./engine.server";
import { ProbeSampler } from "./sampler.server";

const log = pino({ level: "silent" });
const MINUTE = 60_000;

function probesConfig(over: Partial<PortalConfig["probes"]> = {}): PortalConfig["probes"] {
  return { retention: "14d", sampling: true, concurrencyPerPlugin: 4, overrides: {}, ...over };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(plugins: PluginDefinition[], options: { dialect?: TestDialect; probes?: Partial<PortalConfig["probes"]>; clock?: { t: number } } = {}) {
  const { store, cleanup } = await testStore(options.dialect ?? "sqlite");
  cleanups.push(cleanup);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-probes-"));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const registry = await setupPlugins({ installed: plugins, configs: Object.fromEntries(plugins.map((p) => [p.id, {}])), demo: false, dataDir, log });
  cleanups.push(() => registry.stop());
  const clock = options.clock;
  const engine = new ProbeEngine({ registry, probes: probesConfig(options.probes), store, log, now: clock ? () => clock.t : undefined });
  return { engine, store };
}

describe("probe engine", () => {
  it("a hung source says timeout after the probe's timeout while the other probes answer at once", async () => {
    const a = fixturePlugin("fa", [{ id: "hangs", timeout: "300ms" }, { id: "quick" }, { id: "other" }]);
    const b = fixturePlugin("fb", [{ id: "quick" }]);
    a.state.mode.hangs = "hang";
    a.state.value.quick = 3;
    const { engine } = await setup([a.plugin, b.plugin]);

    const started = Date.now();
    const done: Record<string, number> = {};
    const track = (id: string) => engine.reading(id).then((r) => ((done[id] = Date.now() - started), r));
    const [hung, quick, other, quickB] = await Promise.all([track("fa.hangs"), track("fa.quick"), track("fa.other"), track("fb.quick")]);

    expect(hung.status).toBe("unknown");
    expect(hung.error).toMatch(/timeout/);
    expect(hung.value).toBeNull();
    expect(done["fa.hangs"]).toBeGreaterThanOrEqual(290);
    expect(done["fa.hangs"]).toBeLessThan(1500);
    expect(a.state.aborted.hangs).toBe(1); // the source was told to stop
    for (const [id, r] of [["fa.quick", quick], ["fa.other", other], ["fb.quick", quickB]] as const) {
      expect(r.status).toBe("ok");
      expect(done[id]).toBeLessThan(200);
    }
    expect(quick.value).toBe(3);
  });

  it("hung sources beyond a plugin's concurrency limit never hold up another plugin", async () => {
    const slow = fixturePlugin("slow", Array.from({ length: 6 }, (_, i) => ({ id: `h${i}`, timeout: "400ms" })));
    for (let i = 0; i < 6; i++) slow.state.mode[`h${i}`] = "hang";
    const fast = fixturePlugin("fast", [{ id: "one" }]);
    const { engine } = await setup([slow.plugin, fast.plugin], { probes: { concurrencyPerPlugin: 2 } });
    const hung = Promise.all(Array.from({ length: 6 }, (_, i) => engine.reading(`slow.h${i}`)));
    const started = Date.now();
    const r = await engine.reading("fast.one");
    expect(Date.now() - started).toBeLessThan(200);
    expect(r.status).toBe("ok");
    const readings = await hung;
    expect(readings.every((x) => x.status === "unknown" && /timeout/.test(x.error ?? ""))).toBe(true);
    // With 2 slots, 6 hung reads finish in 3 rounds of the timeout: the limit is honoured.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
  });

  it("a failing source opens the circuit and shows the last good value with its age", async () => {
    const clock = { t: 1_700_000_000_000 };
    const f = fixturePlugin("fx", [{ id: "flaky", every: "1m" }]);
    f.state.value.flaky = 7;
    const { engine } = await setup([f.plugin], { clock });

    const good = await engine.reading("fx.flaky");
    expect(good).toMatchObject({ status: "ok", value: 7, circuit: "closed" });
    const goodAt = good.observedAt;

    f.state.mode.flaky = "fail";
    for (let i = 0; i < CIRCUIT_FAILURES; i++) {
      clock.t += MINUTE;
      const o = await engine.refresh("fx.flaky");
      expect(o.kind).toBe("error");
    }
    expect(f.state.reads.flaky).toBe(1 + CIRCUIT_FAILURES);

    clock.t += MINUTE;
    const open = await engine.refresh("fx.flaky");
    expect(open.kind).toBe("circuit-open");
    expect(f.state.reads.flaky).toBe(1 + CIRCUIT_FAILURES); // the open circuit spares the source

    const shown = await engine.reading("fx.flaky");
    expect(shown.status).toBe("unknown");
    expect(shown.circuit).toBe("open");
    expect(shown.value).toBe(7);
    expect(shown.observedAt).toBe(goodAt);
    expect(clock.t - Date.parse(shown.observedAt!)).toBe(4 * MINUTE); // its age
    expect(shown.stale).toBe(true);
    expect(shown.error).toMatch(/circuit open/);
    expect(shown.error).toMatch(/HTTP 503/);
    expect(shown.summary).toMatch(/Last good reading: 7 items pending/);
  });

  it("50 concurrent requests for one probe make exactly one upstream read", async () => {
    const clock = { t: 1_700_000_000_000 };
    const f = fixturePlugin("fx", [{ id: "busy", every: "30s" }]);
    f.state.delayMs.busy = 100;
    f.state.value.busy = 2;
    const { engine } = await setup([f.plugin], { clock });

    const readings = await Promise.all(Array.from({ length: 50 }, () => engine.reading("fx.busy")));
    expect(f.state.reads.busy).toBe(1);
    expect(new Set(readings.map((r) => r.observedAt)).size).toBe(1);
    expect(readings.every((r) => r.value === 2 && r.status === "ok")).toBe(true);

    // Within the interval: served from the cache.
    clock.t += 10_000;
    await Promise.all(Array.from({ length: 50 }, () => engine.reading("fx.busy")));
    expect(f.state.reads.busy).toBe(1);

    // After the interval: the stale reading answers at once while one refresh runs.
    clock.t += 25_000;
    f.state.value.busy = 4;
    const stale = await Promise.all(Array.from({ length: 50 }, () => engine.reading("fx.busy")));
    expect(stale.every((r) => r.value === 2 && r.stale === true)).toBe(true);
    await engine.refresh("fx.busy"); // joins the refresh already in flight
    expect(f.state.reads.busy).toBe(2);
    expect((await engine.reading("fx.busy")).value).toBe(4);
  });

  it("config overrides replace a probe's thresholds, interval and timeout", async () => {
    const f = fixturePlugin("fx", [{ id: "queue", thresholds: { warn: "> 5", critical: "> 10" } }]);
    f.state.value.queue = 7;
    const plain = await setup([f.plugin]);
    expect((await plain.engine.reading("fx.queue")).status).toBe("warn");

    const g = fixturePlugin("fx", [{ id: "queue", thresholds: { warn: "> 5", critical: "> 10" } }]);
    g.state.value.queue = 7;
    const { engine } = await setup([g.plugin], { probes: { overrides: { "fx.queue": { every: "2m", timeout: "1s", thresholds: { critical: ">= 7" } } } } });
    const r = await engine.reading("fx.queue");
    expect(r.status).toBe("critical");
    expect(r.thresholds).toEqual({ warn: "> 5", critical: ">= 7" });
    expect(engine.settingsOf("fx.queue")).toMatchObject({ everyMs: 120_000, timeoutMs: 1000 });
    // A directive's thresholds apply to that widget only.
    expect((await engine.reading("fx.queue", { thresholds: { warn: "> 100", critical: "> 200" } })).status).toBe("ok");
    expect((await engine.reading("fx.queue")).status).toBe("critical");
  });

  it("a bad threshold in config stops the start naming the key", async () => {
    const f = fixturePlugin("fx", [{ id: "queue" }]);
    await expect(setup([f.plugin], { probes: { overrides: { "fx.queue": { thresholds: { warn: "more than 5" } } } } })).rejects.toThrow(ConfigError);
    await expect(setup([f.plugin], { probes: { overrides: { "fx.queue": { thresholds: { warn: "more than 5" } } } } })).rejects.toThrow(/probes\.overrides\.fx\.queue\.thresholds: not a threshold: "more than 5"/);
  });

  it("readings never include secret values, even in error text", async () => {
    const f = fixturePlugin("fx", [{ id: "leaky" }]);
    const { store, cleanup } = await testStore("sqlite");
    cleanups.push(cleanup);
    const registry = await setupPlugins({ installed: [f.plugin], configs: { fx: {} }, demo: false, dataDir: os.tmpdir(), log });
    const def = registry.probes.get("fx.leaky")!.def;
    def.read = async () => {
      throw new Error("GET https://api.example.com failed with Authorization: Bearer sk_live_supersecret123");
    };
    const engine = new ProbeEngine({ registry, probes: probesConfig(), store, log, secretValues: ["sk_live_supersecret123"] });
    const r = await engine.reading("fx.leaky");
    expect(JSON.stringify(r)).not.toContain("sk_live_supersecret123");
    expect(r.error).toContain("[redacted]");
  });
});

describe.each(DIALECTS)("probe sampling on %s", (dialect) => {
  async function countRows(store: Store, table: "probe_samples" | "probe_transitions") {
    const r = await store.db.selectFrom(table).select(({ fn }) => fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  it("`> 0 for 10m` goes critical only after 10 minutes of samples (fake clock)", async () => {
    const clock = { t: Date.UTC(2026, 0, 1, 12, 0, 0) };
    const f = fixturePlugin("fx", [{ id: "backlog", every: "1m", thresholds: { warn: "> 0", critical: "> 0 for 10m" } }]);
    const { engine, store } = await setup([f.plugin], { dialect, clock });
    const sampler = new ProbeSampler(engine, store, log, 14 * 24 * 60 * MINUTE);

    f.state.value.backlog = 0;
    expect((await sampler.sample("fx.backlog")).status).toBe("ok");
    clock.t += MINUTE;

    f.state.value.backlog = 3;
    const statuses: string[] = [];
    for (let minute = 0; minute <= 10; minute++) {
      statuses.push((await sampler.sample("fx.backlog")).status);
      if (minute < 10) clock.t += MINUTE;
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill("warn"));
    expect(statuses[10]).toBe("critical");
    expect((await engine.reading("fx.backlog")).status).toBe("critical");

    // One bad minute breaks the streak: the 10 minutes start again.
    clock.t += MINUTE;
    f.state.value.backlog = 0;
    expect((await sampler.sample("fx.backlog")).status).toBe("ok");
    clock.t += MINUTE;
    f.state.value.backlog = 1;
    expect((await sampler.sample("fx.backlog")).status).toBe("warn");

    const transitions = await store.db.selectFrom("probe_transitions").selectAll().orderBy("at").execute();
    // The first reading after start is not a transition (it is where the probe stood, not a change).
    expect(transitions.map((t) => `${t.from_status}->${t.to_status}`)).toEqual(["ok->warn", "warn->critical", "critical->ok", "ok->warn"]);
    expect(transitions[1]).toMatchObject({ probe_id: "fx.backlog", plugin_id: "fx", value: 3, at: Date.UTC(2026, 0, 1, 12, 11, 0) });
    expect(await countRows(store, "probe_samples")).toBe(14);
  });

  it("a restart does not record the same status again; old samples are pruned", async () => {
    const clock = { t: Date.UTC(2026, 0, 1, 12, 0, 0) };
    const f = fixturePlugin("fx", [{ id: "q", every: "1m", thresholds: { critical: "> 5" } }]);
    f.state.value.q = 9;
    const { engine, store } = await setup([f.plugin], { dialect, clock });
    const first = new ProbeSampler(engine, store, log, 60 * MINUTE);
    // The first reading is where the probe stands, not a change: no transition is recorded.
    expect((await first.sample("fx.q")).transition).toBeUndefined();

    clock.t += MINUTE;
    const second = new ProbeSampler(engine, store, log, 60 * MINUTE);
    const r = await second.sample("fx.q");
    expect(r).toMatchObject({ stored: true, status: "critical" });
    expect(r.transition).toBeUndefined();
    expect(await countRows(store, "probe_transitions")).toBe(0);

    // A sample already stored is not stored twice while the cache is fresh.
    expect((await second.sample("fx.q")).stored).toBe(false);
    expect(f.state.reads.q).toBe(2);

    expect(await second.prune(clock.t + 60 * MINUTE)).toBe(1);
    expect(await countRows(store, "probe_samples")).toBe(1);
    expect(await countRows(store, "probe_transitions")).toBe(0);
  });
});
