import { describe, expect, it } from "vitest";
import { applyRetention, isoWeekOf } from "./retention";

const DAY = 86_400_000;

describe("GFS retention (fake clock, like restic forget)", () => {
  it("keeps exactly 30 daily, 12 weekly and 12 monthly over a year of daily backups, overlaps once", () => {
    const start = Date.parse("2025-11-28T02:00:00Z");
    const backups = Array.from({ length: 365 }, (_, i) => ({ id: `b${i}`, at: start + i * DAY }));
    const d = applyRetention(backups, (b) => b.at, { daily: 30, weekly: 12, monthly: 12 });
    const kept = d.filter((x) => x.keep);
    const count = (p: string) => kept.filter((x) => x.reasons.some((r) => r.startsWith(p))).length;
    expect(count("daily")).toBe(30);
    expect(count("weekly")).toBe(12);
    expect(count("monthly")).toBe(12);
    // Union counted once: each backup kept appears once, some carry several reasons.
    const unique = new Set(kept.map((x) => x.backup.id));
    expect(unique.size).toBe(kept.length);
    const overlaps = kept.filter((x) => x.reasons.length > 1).length;
    expect(kept.length).toBe(30 + 12 + 12 - kept.reduce((n, x) => n + x.reasons.length - 1, 0));
    expect(overlaps).toBeGreaterThan(0);
    // The newest backup is always kept; everything not kept says why.
    expect(d[0]!.backup.id).toBe("b364");
    expect(d[0]!.keep).toBe(true);
    expect(d.filter((x) => !x.keep).every((x) => x.reasons[0]!.startsWith("not the newest"))).toBe(true);
    expect(d.length).toBe(365);
  });

  it("keeps the newest backup of a period, not the first", () => {
    const t = Date.parse("2026-11-27T01:00:00Z");
    const d = applyRetention([{ at: t }, { at: t + 3_600_000 }], (b) => b.at, { daily: 1, weekly: 0, monthly: 0 });
    expect(d.map((x) => x.keep)).toEqual([true, false]);
    expect(d[0]!.backup.at).toBe(t + 3_600_000);
  });

  it("uses ISO weeks across the year boundary", () => {
    expect(isoWeekOf(Date.parse("2027-01-01T12:00:00Z"))).toBe("2026-W53");
    expect(isoWeekOf(Date.parse("2026-12-28T12:00:00Z"))).toBe("2026-W53");
    expect(isoWeekOf(Date.parse("2026-01-01T12:00:00Z"))).toBe("2026-W01");
  });
});
