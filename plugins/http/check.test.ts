import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpCheckSchema } from "./config";
import { httpCheckProbe, readPath } from "./check";
import { demoChecks, startHttpSandbox } from "./sandbox";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

function ctx(timeoutMs = 5000) {
  return { signal: AbortSignal.timeout(timeoutMs), log: console as never, now: () => new Date() };
}

async function sandbox() {
  const s = await startHttpSandbox();
  stops.push(s.stop);
  return s;
}

describe("http health checks", () => {
  it("reads dot paths", () => {
    expect(readPath({ supabase: { url: "configured" } }, "supabase.url")).toBe("configured");
    expect(readPath({ a: [{ b: 1 }] }, "a.0.b")).toBe(1);
    expect(readPath({ a: 1 }, "a.b.c")).toBeUndefined();
  });

  it("the demo sandbox answers like the seeds' endpoints: two healthy, one slow, one failing", async () => {
    const s = await sandbox();
    const checks = demoChecks(s.url);
    const read = (name: keyof typeof checks) => httpCheckProbe(name, HttpCheckSchema.parse(checks[name])).read(ctx());

    const app = await read("app-health");
    expect(app.status).toBeUndefined();
    expect(app.summary).toMatch(/^Healthy: HTTP 200 in \d+ ms$/);
    expect(app.value).toBeLessThan(2000);

    const auth = await read("auth-health");
    expect(auth.summary).toMatch(/^Healthy/);
    expect(auth.rows).toContainEqual({ check: "supabase.url", expected: '"configured"', actual: '"configured"', result: "ok" });

    const slow = await read("hmrc-health");
    expect(slow.value).toBeGreaterThanOrEqual(2500); // above the 2000 ms warn threshold
    expect(httpCheckProbe("hmrc-health", HttpCheckSchema.parse(checks["hmrc-health"])).thresholds).toEqual({ warn: "> 2000", critical: "> 6000" });

    const failing = await read("backend-health");
    expect(failing.status).toBe("critical");
    expect(failing.summary).toBe('Unhealthy: HTTP 503, expected 200; status is "unhealthy", expected "healthy"; services.redis is false, expected true');
  });

  it("a nested field that changes turns the check critical, naming the field", async () => {
    const s = await sandbox();
    const route = s.routes.get("/api/auth/health")!;
    s.routes.set("/api/auth/health", { ...route, body: { status: "healthy", supabase: { url: "missing" } } });
    const r = await httpCheckProbe("auth", HttpCheckSchema.parse(demoChecks(s.url)["auth-health"])).read(ctx());
    expect(r.status).toBe("critical");
    expect(r.summary).toContain('supabase.url is "missing", expected "configured"');
    expect(r.summary).toContain("supabase.serviceKey is (missing)");
  });

  it("sends secret headers but never shows them; unreachable endpoints are critical", async () => {
    const server = http.createServer((req, res) => {
      const ok = req.headers.authorization === "Bearer s3cret-token";
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(JSON.stringify({ status: ok ? "healthy" : "unauthorized" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    stops.push(() => new Promise((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;
    const check = HttpCheckSchema.parse({ url: `http://127.0.0.1:${port}/health?token=abc`, headers: { Authorization: "Bearer s3cret-token" }, expectJson: { status: "healthy" } });
    const r = await httpCheckProbe("private", check).read(ctx());
    expect(r.summary).toMatch(/^Healthy/);
    expect(JSON.stringify(r)).not.toContain("s3cret");
    expect(JSON.stringify(r)).not.toContain("token=abc");

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = HttpCheckSchema.parse({ url: `http://127.0.0.1:${freePort}/health` });
    const d = await httpCheckProbe("down", down).read(ctx());
    expect(d).toMatchObject({ status: "critical", summary: "Unreachable: connection refused", value: null });
  });

  it("a timeout is passed on to the engine, not reported as a result", async () => {
    const s = await sandbox();
    s.routes.set("/hang", { status: 200, body: {}, delayMs: 10_000 });
    const p = httpCheckProbe("hang", HttpCheckSchema.parse({ url: `${s.url}/hang` }));
    await expect(p.read(ctx(200))).rejects.toThrow();
  });
});
