import { describe, expect, it } from "vitest";
import { isSecretSchema } from "../plugin-api";
import { RedisConfigSchema } from "./config";

const problems = (v: unknown) => {
  const r = RedisConfigSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("plugins.redis config", () => {
  it("accepts redis:// and rediss:// with defaults for the rest", () => {
    const c = RedisConfigSchema.parse({ url: "rediss://default:pw@eu1-xyz.upstash.io:6379" });
    expect(c.timeouts).toEqual({ connect: "3s", command: "2s", scan: "3s", probe: "8s" });
    expect(c.keyPatterns).toEqual({});
    expect(c.maxDeleteKeys).toBe(50_000);
  });

  it("marks the url secret", () => {
    expect(isSecretSchema((RedisConfigSchema as any).shape.url)).toBe(true);
  });

  it("names the key of each bad value", () => {
    expect(problems({ url: "http://localhost:6379" })).toEqual(["url: must be a redis:// or rediss:// (TLS) URL, e.g. rediss://default:<password>@eu1-xyz.upstash.io:6379"]);
    expect(problems({ url: "redis://h", db: -1 })[0]).toMatch(/^db: /);
    expect(problems({ url: "redis://h", keyPatterns: { Rate_Limit: { pattern: "rate_limit:*" } } })[0]).toMatch(/^keyPatterns.Rate_Limit: pattern names are kebab-case/);
    expect(problems({ url: "redis://h", keyPatterns: { all: { pattern: "**" } } })).toEqual(["keyPatterns.all.pattern: must name something besides wildcards"]);
    expect(problems({ url: "redis://h", keyPatterns: { a: { pattern: "a:*", ttl: { min: "2h", max: "1h" } } } })).toEqual(["keyPatterns.a.ttl: ttl.min must not exceed ttl.max"]);
    expect(problems({ url: "redis://h", keyPatterns: { a: { pattern: "a:*", count: { warn: "more than 5" } } } })[0]).toMatch(/^keyPatterns.a.count.warn: must be a threshold/);
    expect(problems({ url: "redis://h", timeouts: { command: "forever" } })[0]).toMatch(/^timeouts.command: must be a duration/);
    expect(problems({ url: "redis://h", extra: 1 })[0]).toMatch(/extra/);
  });
});
