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
    expect(count("keep-daily")).toBe(30);
    expect(count("keep-weekly")).toBe(12);
    expect(count("keep-monthly")).toBe(12);
    // Union counted once: each backup kept appears once, some carry several reasons.
    const unique = new Set(kept.map((x) => x.backup.id));
    expect(unique.size).toBe(kept.length);
    const overlaps = kept.filter((x) => x.reasons.length > 1).length;
    expect(kept.length).toBe(30 + 12 + 12 - kept.reduce((n, x) => n + x.reasons.length - 1, 0));
    expect(overlaps).toBeGreaterThan(0);
    // The newest backup is always kept; everything not kept says why.
    expect(d[0]!.backup.id).toBe("b364");
    expect(d[0]!.keep).toBe(true);
    expect(d.filter((x) => !x.keep).every((x) => x.reasons[0] === "not kept by keep-daily 30, keep-weekly 12, keep-monthly 12; not the newest verified")).toBe(true);
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

describe("prune keeps what a restore needs", () => {
  const HOUR = 3_600_000;
  const t0 = Date.parse("2026-11-27T01:00:00Z");
  const verified = (b: { verified: boolean }) => b.verified;

  it("never deletes the newest verified backup, even when every keep-* rule would let it go", () => {
    // Newest first: two unverified backups of today, the only verified one an hour older.
    const backups = [
      { id: "new", at: t0 + 2 * HOUR, verified: false },
      { id: "mid", at: t0 + HOUR, verified: false },
      { id: "proven", at: t0, verified: true },
    ];
    const d = applyRetention(backups, (b) => b.at, { daily: 1, weekly: 0, monthly: 0 }, { verified });
    const byId = Object.fromEntries(d.map((x) => [x.backup.id, x]));
    expect(byId.new).toMatchObject({ keep: true, reasons: ["keep-daily 2026-11-27"] });
    expect(byId.proven).toMatchObject({ keep: true, reasons: ["newest verified (a restore needs it)"] });
    expect(byId.mid!.keep).toBe(false);
    expect(byId.mid!.reasons[0]).toMatch(/^not kept by keep-daily 1, keep-weekly 0, keep-monthly 0; not the newest verified$/);
  });

  it("speaks restic's --keep-* words for every rule: last, hourly, daily, weekly, monthly, yearly", () => {
    const backups = Array.from({ length: 6 }, (_, i) => ({ id: `b${i}`, at: t0 + i * HOUR, verified: i === 0 }));
    const d = applyRetention(backups, (b) => b.at, { last: 2, hourly: 3, daily: 1, weekly: 1, monthly: 1, yearly: 1 }, { verified });
    expect(d[0]!.reasons).toEqual(["keep-last 1", "keep-hourly 2026-11-27T06", "keep-daily 2026-11-27", "keep-weekly 2026-W48", "keep-monthly 2026-11", "keep-yearly 2026"]);
    expect(d[1]!.reasons).toEqual(["keep-last 2", "keep-hourly 2026-11-27T05"]);
    expect(d[2]!.reasons).toEqual(["keep-hourly 2026-11-27T04"]);
    expect(d.slice(3, 5).map((x) => x.keep)).toEqual([false, false]);
    expect(d[5]).toMatchObject({ keep: true, reasons: ["newest verified (a restore needs it)"] });
  });

  it("a verified backup already kept by a rule says both", () => {
    const d = applyRetention([{ id: "a", at: t0, verified: true }], (b) => b.at, { daily: 1, weekly: 0, monthly: 0 }, { verified });
    expect(d[0]!.reasons).toEqual(["keep-daily 2026-11-27", "newest verified (a restore needs it)"]);
  });
});
