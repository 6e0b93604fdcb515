import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import redisPlugin from "../../plugins/redis";
import { createOrUpdateUser, login, sessionCookie } from "~/core/auth.server";
import { probeEngine } from "~/core/probes/service.server";
import { loader as probeLoader } from "~/routes/api.probes.$probeId";
import { loader as runbookLoader } from "~/routes/runbooks.$";
import { makeRequest, testPortal } from "../helpers/portal";

// A "Redis" that accepts connections and never answers a byte: the runbook page must not wait on
// it, and the probe must turn unknown once its timeout has passed, through the portal's engine.
const RUNBOOK = ["---", "title: Rate limits", "plugins: [redis]", "---", "## Detect", '::status{probe="redis.ping"}', '::status{probe="redis.keys-rate-limit"}', ""].join("\n");

describe("redis plugin against a hung server", () => {
  const sockets = new Set<net.Socket>();
  const hung = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  let t: Awaited<ReturnType<typeof testPortal>>;
  let cookie: string;

  beforeAll(async () => {
    await new Promise<void>((r) => hung.listen(0, "127.0.0.1", r));
    const { port } = hung.address() as net.AddressInfo;
    t = await testPortal({
      config: {
        plugins: {
          redis: {
            url: `redis://127.0.0.1:${port}/13`,
            keyPatterns: { "rate-limit": { pattern: "rate_limit:*", ttl: { max: "24h" } } },
            timeouts: { connect: "1s", command: "1s", scan: "1s", probe: "3s" },
          },
        },
      },
      plugins: [redisPlugin],
      runbooks: { "redis-rate-limits.md": RUNBOOK },
    });
    await createOrUpdateUser(t.portal.store, { username: "viewer", password: "test-password-123", roles: ["viewer"] });
    const r = await login(t.portal.store, t.portal.config, { username: "viewer", password: "test-password-123", address: "127.0.0.1" });
    if (!r.ok) throw new Error("sign-in failed");
    cookie = sessionCookie(makeRequest("/"), r.token, 60).split(";")[0]!;
  });
  afterAll(async () => {
    await t?.cleanup();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => hung.close(() => r()));
  });

  it("serves the runbook page at once and reads the probe as unknown after its timeout", async () => {
    const t0 = performance.now();
    const page = (await runbookLoader({ request: makeRequest("/runbooks/redis-rate-limits", { cookie }), params: { "*": "redis-rate-limits" }, context: {} })) as Response;
    const pageMs = performance.now() - t0;
    expect(page.status).toBe(200);
    // The page started the reads (warmProbes) and did not wait for them: no outcome yet when it answered.
    expect(probeEngine(t.portal).peek("redis.ping")).toBeUndefined();
    expect(pageMs).toBeLessThan(1500);
    for (let i = 0; i < 50 && sockets.size === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sockets.size).toBeGreaterThan(0); // …which did connect to the hung server

    const t1 = performance.now();
    const res = (await probeLoader({ request: makeRequest("/api/probes/redis.ping", { cookie }), params: { probeId: "redis.ping" }, context: {} })) as Response;
    const probeMs = performance.now() - t1;
    const body = (await res.json()) as { status: string; error?: string };
    expect(res.status).toBe(200);
    expect(body.status).toBe("unknown");
    expect(body.error).toMatch(/did not (complete the handshake|answer) within|timeout/);
    expect(probeMs).toBeLessThan(3500);

    // Still responsive afterwards: the page again, while the source is still hung.
    const t2 = performance.now();
    const again = (await runbookLoader({ request: makeRequest("/runbooks/redis-rate-limits", { cookie }), params: { "*": "redis-rate-limits" }, context: {} })) as Response;
    expect(again.status).toBe(200);
    expect(performance.now() - t2).toBeLessThan(300);
  });
});
