import { describe, expect, it } from "vitest";
import type { CatalogRow } from "./catalog";
import { restoreChoices } from "./choices";

const H = 3_600_000;
const now = Date.UTC(2026, 11, 6, 12);
function row(id: string, ageH: number, o: Partial<CatalogRow> = {}): CatalogRow {
  const t = now - ageH * H;
  return { id, target: "shop", kind: "postgres", status: "good", file: `/b/${id}`, startedAt: t, endedAt: t, size: 2048, sha256: "x", manifest: null, error: null, verifiedAt: null, verifyStatus: null, verifyDetail: null, rtoMs: null, rpoMs: null, ...o };
}

describe("restoreChoices", () => {
  it("lists the target's finished backups newest first with their verification; a failed one is refused; an unverified newest earns a nudge", () => {
    const rows = [
      row("shop-old", 72, { verifyStatus: "failed", verifyDetail: "checksum mismatch" }),
      row("shop-mid", 50, { verifyStatus: "passed", rtoMs: 700 }),
      row("shop-new", 1),
      row("shop-broken", 2, { status: "failed" }),
      row("portal-1", 1, { target: "portal", verifyStatus: "passed" }),
    ];
    const c = restoreChoices(rows, "shop", now);
    expect(c.choices.map((x) => [x.value, x.badge?.text, x.refused ?? null])).toEqual([
      ["shop-new", "not verified", null],
      ["shop-mid", "verified", null],
      ["shop-old", "verification failed", "failed its verification: checksum mismatch"],
    ]);
    expect(c.note).toMatch(/^The newest backup, shop-new, is not verified yet: verify it before restoring/);
    expect(c.choices[1]!.detail).toContain("restored in 0.7 s");
  });

  it("no nudge when the newest is verified; says so when there is nothing to restore or no target yet", () => {
    expect(restoreChoices([row("shop-a", 1, { verifyStatus: "passed" })], "shop", now).note).toBeUndefined();
    expect(restoreChoices([], "shop", now)).toEqual({ choices: [], note: "shop has no finished backup to restore from." });
    expect(restoreChoices([row("shop-a", 1)], undefined, now)).toEqual({ choices: [], note: "Choose the target first." });
  });
});
