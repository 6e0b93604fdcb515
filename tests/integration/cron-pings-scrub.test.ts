import { describe, expect, it } from "vitest";
import { createScrubber } from "~/core/secrets/scrub.server";
import { capBytes, excerptOf, parsePingKind, tokenMatches } from "../../plugins/cron/pings";

describe("ping parsing", () => {
  it("reads start, success, fail and exit statuses 0–255; refuses the rest", () => {
    expect(parsePingKind("start")).toEqual({ kind: "start" });
    expect(parsePingKind("")).toEqual({ kind: "end", outcome: "success", exitStatus: 0 });
    expect(parsePingKind("0")).toEqual({ kind: "end", outcome: "success", exitStatus: 0 });
    expect(parsePingKind("fail")).toEqual({ kind: "end", outcome: "fail", exitStatus: null });
    expect(parsePingKind("255")).toEqual({ kind: "end", outcome: "fail", exitStatus: 255 });
    expect(parsePingKind("256")).toEqual({ error: "exit status 256 is out of range: use 0–255" });
    expect(parsePingKind("-1")).toMatchObject({ error: expect.stringContaining("is not a ping") });
    expect(parsePingKind("1e3")).toMatchObject({ error: expect.stringContaining("is not a ping") });
  });

  it("compares tokens by digest (any length) and caps excerpts without leaking a cut secret", () => {
    expect(tokenMatches("abc", "abc")).toBe(true);
    expect(tokenMatches("abc", "abcd")).toBe(false);
    expect(capBytes("héllo", 2)).toBe("h\n… (truncated)");
    const secret = "s3cret-token-value";
    const scrubber = createScrubber([secret, "sk_live_other_plugins_key"]);
    expect(excerptOf(`x ${secret} y sk_live_other_plugins_key`, 100, scrubber)).toBe("x [redacted] y [redacted]");
    // The cap falls inside the secret: its first characters are scrubbed too.
    expect(excerptOf(`abc ${secret}`, 12, scrubber)).toBe("abc [redacted]\n… (truncated)");
    expect(excerptOf(`abc ${secret}`, 7, scrubber)).toBe("abc s3c\n… (truncated)");
  });
});
