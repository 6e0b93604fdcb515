import { describe, expect, it } from "vitest";
import { globMatch, patternOf } from "./glob";

describe("globMatch (Redis SCAN MATCH semantics)", () => {
  it.each([
    ["rate_limit:*", "rate_limit:user_123:daily", true],
    ["rate_limit:*", "rate_limit:", true],
    ["rate_limit:*", "user_tier:user_123", false],
    ["rate_limit:*:daily", "rate_limit:user_1:daily", true],
    ["rate_limit:*:daily", "rate_limit:user_1:hourly", false],
    ["user_?", "user_1", true],
    ["user_?", "user_12", false],
    ["h[ae]llo", "hello", true],
    ["h[ae]llo", "hillo", false],
    ["h[^e]llo", "hallo", true],
    ["h[^e]llo", "hello", false],
    ["h[a-c]llo", "hbllo", true],
    ["h[a-c]llo", "hdllo", false],
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["*", "", true],
    ["**x", "abx", true],
    ["analytics:*:2026-11-2?", "analytics:user_9:2026-11-27", true],
  ])("%s ~ %s → %s", (pattern, key, expected) => {
    expect(globMatch(pattern, key)).toBe(expected);
  });

  it("finds the configured pattern a key belongs to", () => {
    const patterns = { "rate-limit": { pattern: "rate_limit:*" }, "user-tier": { pattern: "user_tier:*" } };
    expect(patternOf("user_tier:u1", patterns)?.name).toBe("user-tier");
    expect(patternOf("session:u1", patterns)).toBeNull();
  });
});
