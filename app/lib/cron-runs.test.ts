import { describe, expect, it } from "vitest";
import { matchSchedule } from "./cron-runs";

const HOUR = 3_600_000;
const MIN = 60_000;
const T0 = Date.parse("2026-12-06T00:00:00Z");

describe("scheduled versus actual starts", () => {
  it("pairs each run with its tick and measures how late it started", () => {
    const ticks = [0, 1, 2].map((i) => T0 + i * HOUR);
    const runs = [
      { at: T0 + 20_000, outcome: "success", durationMs: 1000, source: "ping" },
      { at: T0 + HOUR + 3 * MIN, outcome: "fail", durationMs: 1000, source: "ping" },
      { at: T0 + 2 * HOUR - 10_000, outcome: "success", durationMs: 1000, source: "ping" }, // a little early
    ];
    const { runs: m, missed } = matchSchedule(ticks, runs, 5 * MIN, T0 + 3 * HOUR);
    expect(m.map((r) => [r.scheduledAt, r.delayMs])).toEqual([
      [T0, 20_000],
      [T0 + HOUR, 3 * MIN],
      [T0 + 2 * HOUR, 0],
    ]);
    expect(missed).toEqual([]);
  });

  it("a 6-hour stop of an hourly job is one span of missed starts", () => {
    const ticks = Array.from({ length: 12 }, (_, i) => T0 + i * HOUR);
    const ran = [0, 1, 2, 3, 10, 11]; // nothing from 04:00 to 09:00
    const runs = ran.map((i) => ({ at: T0 + i * HOUR + MIN, outcome: "success", durationMs: 500, source: "ping" }));
    const { missed } = matchSchedule(ticks, runs, 5 * MIN, T0 + 11 * HOUR + 30 * MIN);
    expect(missed).toEqual([{ from: T0 + 4 * HOUR, until: T0 + 10 * HOUR + MIN, missed: 6 }]);
  });

  it("a tick still inside its grace is not missed yet, and a stop that lasts until now ends now", () => {
    const ticks = [0, 1, 2, 3].map((i) => T0 + i * HOUR);
    const runs = [{ at: T0 + MIN, outcome: "success", durationMs: 1, source: "ping" }];
    const now = T0 + 3 * HOUR + 2 * MIN;
    const { missed } = matchSchedule(ticks, runs, 5 * MIN, now);
    expect(missed).toEqual([{ from: T0 + HOUR, until: now, missed: 2 }]);
  });

  it("runs pressed by hand and extra runs are outside the schedule; history before the first run is not judged", () => {
    const ticks = [0, 1, 2].map((i) => T0 + i * HOUR);
    const runs = [
      { at: T0 + HOUR + MIN, outcome: "success", durationMs: 1, source: "ping" },
      { at: T0 + HOUR + 5 * MIN, outcome: "success", durationMs: 1, source: "ping" },
      { at: T0 + HOUR + 30 * MIN, outcome: "success", durationMs: 1, source: "run-now" },
      { at: T0 + 2 * HOUR, outcome: "success", durationMs: 1, source: "ping" },
    ];
    const { runs: m, missed } = matchSchedule(ticks, runs, 5 * MIN, T0 + 2 * HOUR + MIN);
    expect(m.map((r) => r.scheduledAt)).toEqual([T0 + HOUR, null, null, T0 + 2 * HOUR]);
    expect(missed).toEqual([]);
  });
});
