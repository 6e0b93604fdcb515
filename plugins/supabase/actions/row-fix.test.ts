import { describe, expect, it } from "vitest";
import { changedSince, rowToken, tokenRow } from "./row-fix";

const cols = ["id", "status", "updated_at"];
const row = { id: "wx-1031", status: "paid", updated_at: new Date("2026-11-27T04:00:00Z"), ignored: "x" };

describe("row preview tokens", () => {
  it("round-trips the previewed values and names the column that moved", () => {
    const token = rowToken(row, cols);
    expect(token.startsWith("v:")).toBe(true);
    const previewed = tokenRow(token, cols)!;
    expect(previewed).toEqual({ values: { id: "wx-1031", status: "paid", updated_at: "2026-11-27T04:00:00.000Z" } });
    expect(changedSince(previewed, { ...row, ignored: "changed" }, cols)).toBeNull();
    expect(changedSince(previewed, { ...row, status: "confirmed" }, cols)).toBe('status is now "confirmed", the preview showed "paid"');
  });

  it("stays under the pipeline's 500-character limit by hashing long rows", () => {
    const long = { id: "x".repeat(600), status: "paid", updated_at: null };
    const token = rowToken(long, cols);
    expect(token.length).toBeLessThan(500);
    const previewed = tokenRow(token, cols)!;
    expect(changedSince(previewed, long, cols)).toBeNull();
    expect(changedSince(previewed, { ...long, status: "confirmed" }, cols)).toBe("a previewed value changed");
  });

  it("refuses tokens that are not ours", () => {
    expect(tokenRow("2026-11-27T04:00:00Z", cols)).toBeNull();
    expect(tokenRow("v:bm90IGpzb24", cols)).toBeNull();
    expect(tokenRow(`v:${Buffer.from("[1]").toString("base64url")}`, cols)).toBeNull();
  });
});
