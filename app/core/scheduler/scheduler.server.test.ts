import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action, definePlugin, type ScheduledTick } from "../../../plugins/plugin-api";
import { DIALECTS, testPortal, testStore } from "../../../tests/helpers/portal";
import { ConfigError } from "../config.server";
import { setupPlugins } from "../plugins/registry.server";
import type { Portal } from "../portal.server";
import { claimTick, cronTicks, runAsScheduler, SCHEDULER_ACTOR, startJobs } from "./scheduler.server";

describe("ticks are the pattern's planned instants", () => {
  it("each second of `* * * * * *` is named by its whole second, whenever the timer fired", async () => {
    const seen: number[] = [];
    const loop = cronTicks("* * * * * *", undefined, (at) => seen.push(at));
    await new Promise((r) => setTimeout(r, 2_600));
    loop.stop();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((at) => at % 1000 === 0)).toBe(true);
    expect(seen.slice(1).every((at, i) => at - seen[i]! === 1000)).toBe(true);
  });
});

describe.each(DIALECTS)("claiming a tick (%s)", (dialect) => {
  it("of concurrent claims of one tick exactly one wins; the next tick is free again", async () => {
    const { store, cleanup } = await testStore(dialect);
    try {
      const at = Date.UTC(2026, 11, 6, 3, 0, 0);
      const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => claimTick(store, "fx.job", at, `i${i}`)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await claimTick(store, "fx.job", at + 60_000, "i0")).toBe(true);
      expect(await claimTick(store, "fx.other", at, "i0")).toBe(true);
    } finally {
      await cleanup();
    }
  });
});

describe("plugins schedule through their setup context", () => {
  it("a pattern croner refuses is a config error naming the job", async () => {
    const bad = definePlugin({
      id: "fx",
      title: "Fixture",
      config: z.object({}),
      setup({ schedule }) {
        schedule!({ name: "nightly", cron: "61 * * * *", run: async () => {} });
        return {};
      },
    });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-sched-"));
    try {
      await expect(setupPlugins({ installed: [bad], configs: { fx: {} }, demo: false, dataDir, log: pino({ level: "silent" }) })).rejects.toThrow(ConfigError);
      await expect(setupPlugins({ installed: [bad], configs: { fx: {} }, demo: false, dataDir, log: pino({ level: "silent" }) })).rejects.toThrow(/schedule "fx.nightly": not a cron schedule/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("scheduled actions run through the pipeline as system:scheduler", () => {
  let gate: Promise<void> = Promise.resolve();
  const fixture = definePlugin({
    id: "fx",
    title: "Fixture",
    config: z.object({}),
    async demo() {
      return { config: {}, stop: async () => {} };
    },
    setup() {
      return {
        actions: [
          action({
            id: "work",
            title: "Work",
            input: z.object({ target: z.string() }).strict(),
            risk: "low",
            target: (i) => i.target,
            async run(i) {
              await gate;
              return { summary: `worked on ${i.target}` };
            },
          }),
          action({ id: "danger", title: "Danger", input: z.object({}).strict(), risk: "high", async run() {
            return { summary: "never" };
          } }),
        ],
      };
    },
  });
  let t: Awaited<ReturnType<typeof testPortal>>;
  let portal: Portal;
  beforeAll(async () => {
    t = await testPortal({ plugins: [fixture] });
    portal = t.portal;
  });
  afterAll(async () => t?.cleanup());

  it("runs a low-risk action, audited started and succeeded by system:scheduler, and answers its summary", async () => {
    const r = await runAsScheduler(portal, "fx.work", { target: "alpha" }, "tick:fx.job:1");
    expect(r).toMatchObject({ status: "succeeded", summary: "worked on alpha" });
    const entries = await portal.store.db.selectFrom("audit_entries").select(["actor", "outcome", "target"]).where("run_id", "=", r.runId!).orderBy("seq").execute();
    expect(entries).toEqual([
      { actor: SCHEDULER_ACTOR, outcome: "started", target: "alpha" },
      { actor: SCHEDULER_ACTOR, outcome: "succeeded", target: "alpha" },
    ]);
    // The same tick again is the same run, not a second one.
    const again = await runAsScheduler(portal, "fx.work", { target: "alpha" }, "tick:fx.job:1");
    expect(again.runId).toBe(r.runId);
  });

  it("takes the per-target lock: a tick while a run holds the target is refused (audited locked)", async () => {
    let open!: () => void;
    gate = new Promise<void>((r) => (open = r));
    const first = runAsScheduler(portal, "fx.work", { target: "beta" }, "tick:fx.job:2");
    await new Promise((r) => setTimeout(r, 200));
    const second = await runAsScheduler(portal, "fx.work", { target: "beta" }, "tick:fx.other:2");
    expect(second.status).toBe("refused");
    expect(second.summary).toMatch(/another run is already acting on "beta"/);
    open();
    expect((await first).status).toBe("succeeded");
    const locked = await portal.store.db.selectFrom("audit_entries").select(["actor", "outcome"]).where("run_id", "=", second.runId!).where("outcome", "=", "locked").execute();
    expect(locked).toEqual([{ actor: SCHEDULER_ACTOR, outcome: "locked" }]);
  });

  it("refuses to schedule an action above low risk", async () => {
    await expect(runAsScheduler(portal, "fx.danger", {}, "tick:fx.job:3")).rejects.toThrow(/high-risk action: only low-risk actions run on a schedule/);
  });

  it("a job's tick runs once and records its outcome in scheduler_ticks", async () => {
    const ran: number[] = [];
    const jobs = startJobs(portal, [{ id: "fx.every-second", job: { name: "every-second", cron: "* * * * * *", run: async (tick: ScheduledTick) => void ran.push(tick.at.getTime()) } }]);
    await new Promise((r) => setTimeout(r, 2_300));
    await jobs.stop();
    const rows = await portal.store.db.selectFrom("scheduler_ticks").selectAll().where("job", "=", "fx.every-second").execute();
    expect(rows.length).toBe(ran.length);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.every((r) => r.outcome === "succeeded" && ran.includes(Number(r.tick_at)))).toBe(true);
  });
});
