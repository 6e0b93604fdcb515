import { describe, expect, it } from "vitest";
import { createScrubber } from "~/core/secrets/scrub.server";
import { secretValuesOf } from "~/core/secrets/walk.server";
import { RedisConfigSchema } from "../../plugins/redis/config";
import { connectionScrubber, describeServer, scrubValue } from "../../plugins/redis/scrub";

describe("connectionScrubber", () => {
  const url = "rediss://default:s3cr3t%2Fpw@eu1-xyz.upstash.io:6379/2";
  // The portal's scrubber as the registry builds it from the plugin's config section.
  const portal = createScrubber(secretValuesOf(RedisConfigSchema, RedisConfigSchema.parse({ url })));
  const scrub = connectionScrubber(portal);

  it("removes the URL, the password in both encodings (the portal's scrubber) and any user:pass@ form (by shape)", () => {
    expect(scrub(`connect to ${url} failed`)).toBe("connect to [redacted] failed");
    expect(scrub("AUTH s3cr3t/pw rejected")).toBe("AUTH [redacted] rejected");
    expect(scrub("AUTH s3cr3t%2Fpw rejected")).toBe("AUTH [redacted] rejected");
    expect(scrub("redis://other:hunter22@h:1")).toBe("redis://other:[redacted]@h:1");
    // Without the portal's scrubber only the shape is caught.
    expect(connectionScrubber()(`connect to ${url} failed`)).toBe("connect to rediss://default:[redacted]@eu1-xyz.upstash.io:6379/2 failed");
  });

  it("describes a server without user or password", () => {
    expect(describeServer(url)).toBe("rediss://eu1-xyz.upstash.io:6379 db 2");
    expect(describeServer(url, 13)).toBe("rediss://eu1-xyz.upstash.io:6379 db 13");
    expect(describeServer("redis://127.0.0.1")).toBe("redis://127.0.0.1:6379 db 0");
  });
});

describe("scrubValue", () => {
  it("hides token shapes and fields named like secrets, keeps the rest", () => {
    const v = JSON.stringify({ user: "u_1", tier: "pro", apiKey: "abc123", nested: { password: "pw" }, note: "paid with sk_live_51Habcdefgh" });
    const out = scrubValue(v);
    expect(out).toContain('"tier":"pro"');
    expect(out).toContain('"apiKey":"[redacted]"');
    expect(out).toContain('"password":"[redacted]"');
    expect(out).toContain("paid with [redacted]");
    expect(out).not.toMatch(/abc123|sk_live/);
  });

  it("hides query-style secrets, bearer tokens and URL passwords", () => {
    expect(scrubValue("user=u1&token=deadbeef")).toBe("user=u1&token=[redacted]");
    expect(scrubValue("Authorization: Bearer abcdefghijklmnop")).toBe("Authorization: [redacted]");
    expect(scrubValue("postgres://app:pw1234@db:5432/x")).toBe("postgres://app:[redacted]@db:5432/x");
  });
});
