import { describe, expect, it } from "vitest";
import { axisZoneName, formatAxisValue, formatDurationTick, niceStep, rangeText, shortNumber, spreadLabels, thinLabels, timeTicks, valueDomain, valueTicks, zoomWindow } from "./chart-scale";

const at = (iso: string) => Date.parse(`${iso}Z`);

describe("value axis", () => {
  it("picks 1-2-2.5-5 steps", () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(7, 5)).toBe(2);
    expect(niceStep(1000, 4)).toBe(250);
    expect(niceStep(0.03, 3)).toBeCloseTo(0.01);
  });

  it("starts at zero for non-negative data near zero and widens to whole steps", () => {
    expect(valueDomain([3, 7, 9.4])).toEqual({ min: 0, max: 10, step: 2 });
    // A wobble far from zero keeps its own range instead of a flat line at the top.
    const d = valueDomain([1000, 1003, 1001.5]);
    expect(d.min).toBeGreaterThan(900);
    expect(d.max).toBeGreaterThanOrEqual(1003);
  });

  it("gives whole-number data whole-number steps (no 0.2 incidents)", () => {
    expect(valueDomain([0, 1, 1, 1])).toEqual({ min: 0, max: 1, step: 1 });
    expect(valueTicks(valueDomain([0, 1])).map((t) => t.label)).toEqual(["0", "1"]);
  });

  it("a single value gets room around it", () => {
    expect(valueDomain([10])).toEqual({ min: 0, max: 10, step: 2 });
    const neg = valueDomain([-4]);
    expect(neg.min).toBeLessThan(-4);
    expect(neg.max).toBeGreaterThan(-4);
  });

  it("minutes get clock steps and labels: never 8.3h or 000m", () => {
    const d = valueDomain([0, 450, 1950], 5, "min");
    expect(d.step * 60_000).toBe(12 * 3_600_000);
    expect(valueTicks(d, "min").map((t) => t.label)).toEqual(["0", "12h", "24h", "36h"]);
    const small = valueDomain([0, 6, 31, 57], 5, "min");
    expect(valueTicks(small, "min").map((t) => t.label)).toEqual(["0", "15m", "30m", "45m", "60m"]);
  });

  it("labels carry units and short numbers", () => {
    expect(valueTicks({ min: 0, max: 10, step: 5 }, "events").map((t) => t.label)).toEqual(["0 events", "5 events", "10 events"]);
    expect(formatAxisValue(50, 25, "%")).toBe("50%");
    expect(formatAxisValue(0.25, 0.05, "s")).toBe("250ms");
    expect(formatAxisValue(90, 30, "s")).toBe("90s");
    expect(formatAxisValue(5400, 1800, "s")).toBe("1.5h");
    expect(shortNumber(1500, 500)).toBe("1.5k");
    expect(shortNumber(3_000_000, 1_000_000)).toBe("3M");
    expect(shortNumber(0.125, 0.025)).toBe("0.13");
    expect(formatDurationTick(0)).toBe("0");
    expect(formatDurationTick(2 * 86_400_000, 86_400_000)).toBe("2d");
  });
});

describe("time axis", () => {
  it("ticks fall on whole hours and a day change carries the date", () => {
    const ticks = timeTicks(at("2026-12-05T10:17"), at("2026-12-06T10:17"), 8);
    expect(ticks.map((t) => t.label)).toEqual(["12:00", "15:00", "18:00", "21:00", "6 Dec 00:00", "03:00", "06:00", "09:00"]);
    expect(ticks[0]!.value).toBe(at("2026-12-05T12:00"));
  });

  it("short windows get minute ticks, long ones dates", () => {
    expect(timeTicks(at("2026-12-06T10:02"), at("2026-12-06T11:02"), 6).map((t) => t.label)).toEqual(["10:10", "10:20", "10:30", "10:40", "10:50", "11:00"]);
    expect(timeTicks(at("2026-11-29T10:00"), at("2026-12-06T10:00"), 8).map((t) => t.label)).toEqual(["30 Nov", "1 Dec", "2 Dec", "3 Dec", "4 Dec", "5 Dec", "6 Dec"]);
  });

  it("rounds in the named zone's wall clock", () => {
    // New York is UTC−5 in December: local midnight is 05:00 UTC.
    const ticks = timeTicks(at("2026-12-05T12:00"), at("2026-12-08T12:00"), 4, "America/New_York");
    expect(ticks[0]!.value).toBe(at("2026-12-06T05:00"));
    expect(ticks[0]!.label).toBe("6 Dec");
  });

  it("stays on the zone's round hours across a daylight-saving change, and a skipped hour is drawn once", () => {
    // Berlin leaves summer time on 25 Oct 2026 (03:00 CEST → 02:00 CET): 6-hour ticks stay on 00/06/12/18 local.
    const autumn = timeTicks(at("2026-10-24T12:00"), at("2026-10-27T12:00"), 12, "Europe/Berlin");
    expect(autumn.map((t) => t.label)).toEqual(["18:00", "25 Oct 00:00", "06:00", "12:00", "18:00", "26 Oct 00:00", "06:00", "12:00", "18:00", "27 Oct 00:00", "06:00", "12:00"]);
    expect(autumn[1]!.value).toBe(at("2026-10-24T22:00")); // midnight CEST
    expect(autumn[5]!.value).toBe(at("2026-10-25T23:00")); // midnight CET
    // New York skips 02:00 on 14 Mar 2027: hourly ticks 00:00, 01:00, 03:00…
    const spring = timeTicks(at("2027-03-14T05:00"), at("2027-03-14T10:00"), 6, "America/New_York");
    expect(spring.map((t) => t.label)).toEqual(["00:00", "01:00", "03:00", "04:00", "05:00", "06:00"]);
    expect(new Set(spring.map((t) => t.value)).size).toBe(spring.length);
  });

  it("names the axis's zone as its readers know it, both names across a change", () => {
    expect(axisZoneName(at("2026-12-05T12:00"), at("2026-12-06T12:00"))).toBe("UTC");
    expect(axisZoneName(at("2026-12-05T12:00"), at("2026-12-06T12:00"), "Europe/Berlin")).toBe("CET");
    expect(axisZoneName(at("2026-12-05T12:00"), at("2026-12-06T12:00"), "America/New_York")).toBe("EST");
    expect(axisZoneName(at("2026-10-24T12:00"), at("2026-10-27T12:00"), "Europe/Berlin")).toBe("CEST/CET");
  });

  it("never more ticks than asked for, and none for an empty window", () => {
    for (const max of [2, 5, 9]) expect(timeTicks(at("2026-12-01T00:00"), at("2026-12-08T00:00"), max).length).toBeLessThanOrEqual(max);
    expect(timeTicks(10, 10, 5)).toEqual([]);
  });
});

describe("labels that would overprint", () => {
  it("spreads close labels apart and keeps far ones in place", () => {
    const placed = spreadLabels([100, 104, 300], 14, 10, 400);
    expect(placed[0]!.drawnAt).toBe(100);
    expect(placed[1]!.drawnAt).toBe(114);
    expect(placed[2]!.drawnAt).toBe(300);
  });

  it("keeps labels inside the plot when pushed past its end", () => {
    const placed = spreadLabels([198, 199], 14, 10, 200);
    expect(Math.max(...placed.map((p) => p.drawnAt))).toBeLessThanOrEqual(200);
    expect(Math.abs(placed[0]!.drawnAt - placed[1]!.drawnAt)).toBeGreaterThanOrEqual(14);
  });

  it("keeps every n-th category label so they fit", () => {
    expect(thinLabels(12, 600, 50)).toBe(1);
    expect(thinLabels(52, 300, 50)).toBe(9);
  });
});

describe("zoom", () => {
  it("snaps a dragged span to whole minutes, at least a minute", () => {
    expect(zoomWindow(at("2026-12-06T10:05") + 20_000, at("2026-12-06T09:10") + 5_000)).toEqual({ from: at("2026-12-06T09:10"), to: at("2026-12-06T10:06") });
    const w = zoomWindow(1_000_000, 1_000_010);
    expect(w.to - w.from).toBeGreaterThanOrEqual(60_000);
  });

  it("names a span as a range value", () => {
    expect(rangeText(6 * 3_600_000)).toBe("6h");
    expect(rangeText(7 * 86_400_000)).toBe("7d");
    expect(rangeText(56 * 60_000)).toBe("56m");
  });
});
