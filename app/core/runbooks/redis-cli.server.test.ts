import { describe, expect, it } from "vitest";
import { maskRedisPasswords, parseRedisCli, redisCliLine } from "./redis-cli.server";

describe("redis-cli lines as written", () => {
  it("maps reads, deletes and the KEYS | xargs DEL idiom; connection flags ignored", () => {
    const m = (line: string) => parseRedisCli(redisCliLine(line)!);
    expect(m("redis-cli PING  # Should return \"PONG\"")).toEqual({ kind: "read", input: { command: "PING" }, label: "PING" });
    expect(m("redis-cli -h upstash-redis-eu.upstash.io -p 6379 -a $REDIS_PASSWORD INFO memory")).toEqual({ kind: "read", input: { command: "INFO", section: "memory" }, label: "INFO memory" });
    expect(m("$ redis-cli GET rate_limit:user_123:daily")).toMatchObject({ kind: "read", input: { command: "GET", key: "rate_limit:user_123:daily" } });
    expect(m("redis-cli TTL 'user_tier:u1'")).toMatchObject({ kind: "read", input: { command: "TTL", key: "user_tier:u1" } });
    expect(m('redis-cli KEYS "*"')).toMatchObject({ kind: "read", input: { command: "SCAN", pattern: "*" } });
    expect(m("redis-cli SCAN 0 MATCH analytics:* COUNT 100")).toMatchObject({ kind: "read", input: { command: "SCAN", pattern: "analytics:*" } });
    expect(m('redis-cli DEL "rate_limit:user_123:daily"')).toEqual({ kind: "action", actionId: "redis.delete-key", input: { key: "rate_limit:user_123:daily" }, label: "Delete rate_limit:user_123:daily…" });
    expect(m('redis-cli KEYS "rate_limit:*" | xargs redis-cli DEL')).toEqual({ kind: "action", actionId: "redis.delete-keys", input: { pattern: "rate_limit:*" }, label: "Delete keys rate_limit:*…" });
  });

  it("wiping and reconfiguring commands get no button and say why; templates and bare connects get nothing", () => {
    for (const cmd of ["FLUSHDB", "FLUSHALL", "CONFIG SET maxmemory 1gb", "DEBUG SLEEP 10"]) {
      const r = parseRedisCli(`redis-cli ${cmd}`);
      expect(r).toMatchObject({ kind: "refused" });
      expect((r as { why: string }).why).toMatch(/no button|not from a runbook page/);
    }
    expect(parseRedisCli("redis-cli CONFIG GET maxmemory")).toBeNull();
    expect(parseRedisCli("redis-cli -h host -p 6379 -a $REDIS_PASSWORD")).toBeNull();
    expect(parseRedisCli('redis-cli DEL "user_tier:{user_id}"')).toBeNull();
    expect(parseRedisCli('redis-cli KEYS "*" | xargs redis-cli DEL')).toBeNull(); // every key: never offered
    expect(parseRedisCli('redis-cli KEYS "a:*" | wc -l')).toBeNull();
    expect(redisCliLine("run redis-cli PING to check")).toBeNull();
  });

  it("masks a password given with -a or --pass, keeping $VARS and positions", () => {
    const text = 'redis-cli -h h -a s3cr3t-Pa55 PING\nredis-cli --pass "two words" INFO\nredis-cli -a $REDIS_PASSWORD PING\n';
    const masked = maskRedisPasswords(text);
    expect(masked).not.toContain("s3cr3t-Pa55");
    expect(masked).not.toContain("two words");
    expect(masked).toContain("-a $REDIS_PASSWORD");
    expect(masked.length).toBe(text.length);
    expect(masked.split("\n").map((l) => l.length)).toEqual(text.split("\n").map((l) => l.length));
  });
});
