import { describe, expect, it } from "vitest";
import { CronJobSchema } from "./config";
import { jobState, learnBand, scheduleOf, type PauseRecord, type RunRecord } from "./state";

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const job = (over: Record<string, unknown> = {}) => CronJobSchema.parse({ schedule: "*/10 * * * *", grace: "5m", ...over });

let seq = 0;
function run(startedAt: number | null, durationMs: number | null, outcome: RunRecord["outcome"] = "success", extra: Partial<RunRecord> = {}): RunRecord {
  const endedAt = outcome === "running" ? null : startedAt !== null && durationMs !== null ? startedAt + durationMs : (extra.endedAt ?? startedAt);
  return { id: `r${++seq}`, job: "j", rid: null, startedAt, endedAt, durationMs: outcome === "running" ? null : durationMs, outcome, exitStatus: outcome === "fail" ? 1 : outcome === "success" ? 0 : null, excerpt: null, source: "ping", ...extra };
}
/** Runs at every tick of a schedule, oldest..newest, returned newest first. */
function history(j: ReturnType<typeof job>, from: number, to: number, duration: (i: number) => number, outcome: (i: number) => RunRecord["outcome"] = () => "success"): RunRecord[] {
  const cron = scheduleOf(j);
  const out: RunRecord[] = [];
  let t = cron.nextRun(new Date(from));
  let i = 0;
  while (t && t.getTime() <= to) {
    out.push(run(t.getTime(), duration(i), outcome(i)));
    t = cron.nextRun(t);
    i++;
  }
  return out.reverse();
}

describe("cron job state (fake clock)", () => {
  it("is new until the first run, then up", () => {
    const j = job();
    const now = at("2026-11-27T10:03:00Z");
    expect(jobState(j, [], null, now)).toMatchObject({ state: "new", status: "unknown", lastRun: null });
    const s = jobState(j, [run(at("2026-11-27T10:00:00Z"), 20_000)], null, now);
    expect(s).toMatchObject({ state: "up", status: "ok", expectedAt: at("2026-11-27T10:10:00Z"), nextRunAt: at("2026-11-27T10:10:00Z") });
    expect(s.minutesSinceSuccess).toBeCloseTo(2.7, 1);
  });

  it("goes up → late inside grace → down after grace, and back up on the next run", () => {
    const j = job();
    const runs = [run(at("2026-11-27T10:00:00Z"), 20_000)];
    expect(jobState(j, runs, null, at("2026-11-27T10:09:59Z")).state).toBe("up");
    const late = jobState(j, runs, null, at("2026-11-27T10:12:00Z"));
    expect(late).toMatchObject({ state: "late", status: "warn" });
    expect(late.summary).toMatch(/late: due 2\.0 min ago|late: due 2 min ago/);
    expect(jobState(j, runs, null, at("2026-11-27T10:15:00Z"))).toMatchObject({ state: "down", status: "critical" });
    const back = [run(at("2026-11-27T10:16:00Z"), 10_000), ...runs];
    expect(jobState(j, back, null, at("2026-11-27T10:17:00Z"))).toMatchObject({ state: "up", status: "ok", expectedAt: at("2026-11-27T10:20:00Z") });
  });

  it("evaluates the schedule in the job's time zone across DST (spring forward and fall back)", () => {
    const ny = job({ schedule: "0 9 * * *", timezone: "America/New_York", grace: "15m" });
    // Saturday 7 March 2026 09:00 EST = 14:00 UTC; clocks go forward on Sunday: 09:00 EDT = 13:00 UTC.
    const sat = [run(at("2026-03-07T14:00:00Z"), 30_000)];
    expect(jobState(ny, sat, null, at("2026-03-08T12:59:00Z")).state).toBe("up");
    expect(jobState(ny, sat, null, at("2026-03-08T13:10:00Z"))).toMatchObject({ state: "late", expectedAt: at("2026-03-08T13:00:00Z") });
    expect(jobState(ny, sat, null, at("2026-03-08T13:16:00Z")).state).toBe("down");
    // Fall back on 1 November: Saturday 09:00 EDT = 13:00 UTC, Sunday 09:00 EST = 14:00 UTC.
    const oct = [run(at("2026-10-31T13:00:00Z"), 30_000)];
    expect(jobState(ny, oct, null, at("2026-11-01T13:30:00Z")).state).toBe("up"); // a UTC-only reading would say late
    expect(jobState(ny, oct, null, at("2026-11-01T14:05:00Z")).state).toBe("late");
    expect(jobState(ny, oct, null, at("2026-11-01T13:30:00Z")).summary).toContain("next run 2026-11-01 09:00 EST");

    // 02:30 does not exist in Berlin on 29 March: the run moves to 03:30 CEST, once that day.
    const berlin = job({ schedule: "30 2 * * *", timezone: "Europe/Berlin", grace: "10m" });
    const before = [run(at("2026-03-28T01:30:00Z"), 5_000)];
    expect(jobState(berlin, before, null, at("2026-03-29T01:20:00Z")).expectedAt).toBe(at("2026-03-29T01:30:00Z"));
    expect(jobState(berlin, before, null, at("2026-03-29T01:35:00Z")).state).toBe("late");
    const after = [run(at("2026-03-29T01:30:00Z"), 5_000), ...before];
    expect(jobState(berlin, after, null, at("2026-03-29T12:00:00Z")).expectedAt).toBe(at("2026-03-30T00:30:00Z"));
    // 02:30 happens twice in Berlin on 25 October: one run is owed, not two.
    const cron = scheduleOf(berlin);
    const day = [cron.nextRun(new Date("2026-10-23T12:00:00Z"))!, cron.nextRun(cron.nextRun(new Date("2026-10-23T12:00:00Z"))!)!];
    expect(day.map((d) => d.toISOString())).toEqual(["2026-10-24T00:30:00.000Z", "2026-10-25T01:30:00.000Z"]);
    expect(day[1].getTime() - day[0].getTime()).toBe(25 * 60 * MIN);
  });

  it("a start without an end is running, then down after grace; with maxRuntime, running too long", () => {
    const j = job({ schedule: "0 * * * *", grace: "5m" });
    const open = [run(at("2026-11-27T10:00:00Z"), null, "running")];
    expect(jobState(j, open, null, at("2026-11-27T10:03:00Z"))).toMatchObject({ state: "running", status: "ok" });
    const down = jobState(j, open, null, at("2026-11-27T10:06:00Z"));
    expect(down).toMatchObject({ state: "down", status: "critical" });
    expect(down.summary).toContain("never ended");
    const withMax = job({ schedule: "0 * * * *", grace: "5m", maxRuntime: "20m" });
    expect(jobState(withMax, open, null, at("2026-11-27T10:19:00Z")).state).toBe("running");
    expect(jobState(withMax, open, null, at("2026-11-27T10:21:00Z"))).toMatchObject({ state: "running-too-long", status: "critical" });
  });

  it("alerts only after N failures in a row; a success resets the count", () => {
    const j = job({ failuresBeforeCritical: 3 });
    const now = at("2026-11-27T10:31:00Z");
    const base = [run(at("2026-11-27T10:00:00Z"), 10_000)];
    const f1 = [run(at("2026-11-27T10:10:00Z"), 10_000, "fail"), ...base];
    expect(jobState(j, f1, null, at("2026-11-27T10:11:00Z"))).toMatchObject({ state: "failing", status: "warn", consecutiveFailures: 1 });
    const f3 = [run(at("2026-11-27T10:30:00Z"), 10_000, "fail"), run(at("2026-11-27T10:20:00Z"), 10_000, "fail"), ...f1];
    const s3 = jobState(j, f3, null, now);
    expect(s3).toMatchObject({ state: "failing", status: "critical", consecutiveFailures: 3 });
    expect(s3.summary).toContain("3 failed runs in a row");
    const ok = [run(at("2026-11-27T10:40:00Z"), 10_000), ...f3];
    expect(jobState(j, ok, null, at("2026-11-27T10:41:00Z"))).toMatchObject({ state: "up", consecutiveFailures: 0 });
    // Default failuresBeforeCritical is 1.
    expect(jobState(job(), f1, null, at("2026-11-27T10:11:00Z")).status).toBe("critical");
  });

  it("flags a run shorter than minRuntime as ran too fast", () => {
    const j = job({ minRuntime: "30s" });
    const runs = [run(at("2026-11-27T10:00:00Z"), 2_000), run(at("2026-11-27T09:50:00Z"), 45_000)];
    const s = jobState(j, runs, null, at("2026-11-27T10:01:00Z"));
    expect(s).toMatchObject({ state: "ran-too-fast", status: "critical" });
    expect(s.summary).toContain("less than minRuntime 30s");
  });

  it("learns a p5–p95 band after 10 runs and flags unusually fast and slow runs", () => {
    const j = job({ schedule: "0 * * * *" });
    const now = at("2026-11-27T12:01:00Z");
    const steady = history(j, now - 60 * 60 * MIN, now - 2 * 60 * MIN, (i) => 40_000 + (i % 5) * 1_000);
    // 9 earlier runs: no band yet, so a 2 s run is not judged.
    const fewer = [run(at("2026-11-27T12:00:00Z"), 2_000), ...steady.slice(0, 9)];
    expect(learnBand(fewer)).toBeNull();
    expect(jobState(j, fewer, null, now).state).toBe("up");
    const fast = [run(at("2026-11-27T12:00:00Z"), 2_000), ...steady];
    const s = jobState(j, fast, null, now);
    expect(s.band).toMatchObject({ n: 50, p5: 40_000, p95: 44_000 });
    expect(s).toMatchObject({ state: "ran-too-fast", status: "warn", unusual: "fast" });
    expect(s.summary).toContain("unusually fast");
    const slow = jobState(j, [run(at("2026-11-27T12:00:00Z"), 90_000), ...steady], null, now);
    expect(slow).toMatchObject({ state: "up", status: "warn", unusual: "slow" });
    expect(slow.summary).toContain("unusually slow");
    expect(jobState(j, [run(at("2026-11-27T12:00:00Z"), 42_000), ...steady], null, now)).toMatchObject({ state: "up", status: "ok", unusual: null });
  });

  it("flags a job that starts more often than its schedule allows; run-now presses do not count", () => {
    const j = job({ schedule: "*/10 * * * *" });
    const now = at("2026-11-27T12:00:30Z");
    const single = history(j, now - 60 * MIN, now, () => 5_000);
    expect(jobState(j, single, null, now).state).toBe("up");
    // A doubled crontab: every tick starts twice.
    const doubled = [...single, ...single.map((r) => ({ ...r, id: `${r.id}b`, startedAt: r.startedAt! + 1_000, endedAt: r.endedAt! + 1_000 }))].sort((a, b) => b.startedAt! - a.startedAt!);
    const s = jobState(j, doubled, null, now);
    expect(s).toMatchObject({ state: "runs-too-often", status: "warn" });
    expect(s.startsInWindow).toMatchObject({ starts: 12, allowed: 9 });
    const pressed = [...single, ...[1, 2, 3, 4, 5].map((k) => run(now - k * 7 * MIN, 4_000, "success", { source: "run-now" }))].sort((a, b) => b.startedAt! - a.startedAt!);
    expect(jobState(j, pressed, null, now).state).not.toBe("runs-too-often");
  });

  it("pause hides alerts and says who, why and until when; resume and expiry bring the state back", () => {
    const j = job();
    const runs = [run(at("2026-11-27T10:00:00Z"), 20_000)];
    const now = at("2026-11-27T11:00:00Z");
    expect(jobState(j, runs, null, now).state).toBe("down");
    const pause: PauseRecord = { job: "j", pausedBy: "admin", reason: "migration window", pausedAt: at("2026-11-27T10:30:00Z"), until: at("2026-11-27T12:00:00Z") };
    const paused = jobState(j, runs, pause, now);
    expect(paused).toMatchObject({ state: "paused", status: "ok" });
    expect(paused.summary).toContain("paused by admin: migration window (until 2026-11-27 12:00 UTC)");
    expect(paused.conditions.map((c) => c.state)).toContain("down");
    expect(jobState(j, runs, pause, at("2026-11-27T12:00:01Z")).state).toBe("down");
    expect(jobState(j, runs, { ...pause, until: null }, at("2026-11-28T00:00:00Z")).state).toBe("paused");
  });

  it("a failed health-document run counts like a failed ping", () => {
    const j = job({ schedule: "0 * * * *" });
    const r = run(at("2026-11-27T10:00:00Z"), null, "fail", { source: "health-document", endedAt: at("2026-11-27T10:00:00Z"), exitStatus: null });
    const s = jobState(j, [r], null, at("2026-11-27T10:20:00Z"));
    expect(s).toMatchObject({ state: "failing", status: "critical" });
    expect(s.summary).toContain("the health document reports errors");
  });
});
