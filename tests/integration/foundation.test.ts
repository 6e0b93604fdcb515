import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../helpers/portal";
import { signIn, startServer, type RunningServer } from "../helpers/server";

const ROOT = path.resolve(__dirname, "../..");

describe("the portal server (SQLite, demo mode)", () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startServer();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it("answers /healthz with 200 JSON", async () => {
    const res = await fetch(`${srv.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ status: "ok", demo: true, store: "sqlite" });
  });

  it("serves Prometheus text on /metrics with the request histogram", async () => {
    await (await fetch(`${srv.baseUrl}/login`)).text();
    const res = await fetch(`${srv.baseUrl}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/login",status="200"\} \d+/);
  });

  it("sends a signed-out visitor of any page to sign-in", async () => {
    for (const p of ["/", "/runbooks", "/incidents", "/audit", "/reports", "/no/such/page"]) {
      const res = await fetch(`${srv.baseUrl}${p}`, { redirect: "manual" });
      expect(res.status, p).toBe(302);
      expect(res.headers.get("location"), p).toBe(`/login?redirectTo=${encodeURIComponent(p)}`);
    }
  });

  it("refuses a cross-origin POST with 403, even with a valid session", async () => {
    const cookie = await signIn(srv.baseUrl, "admin");
    const res = await fetch(`${srv.baseUrl}/logout`, { method: "POST", headers: { origin: "https://evil.example", cookie }, redirect: "manual" });
    expect(res.status).toBe(403);
    const site = await fetch(`${srv.baseUrl}/logout`, { method: "POST", headers: { "sec-fetch-site": "cross-site", cookie }, redirect: "manual" });
    expect(site.status).toBe(403);
    const same = await fetch(`${srv.baseUrl}/logout`, { method: "POST", headers: { origin: srv.baseUrl, cookie }, redirect: "manual" });
    expect(same.status).toBe(302);
  });

  it("answers bad sign-in input with 400, not 500", async () => {
    const res = await fetch(`${srv.baseUrl}/login`, { method: "POST", body: new URLSearchParams({ username: "" }) });
    expect(res.status).toBe(400);
  });

  it("after 20 wrong passwords refuses further attempts, the right one included", async () => {
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${srv.baseUrl}/login`, { method: "POST", body: new URLSearchParams({ username: "manager", password: `wrong-${i}` }), redirect: "manual" });
      expect([401, 429]).toContain(res.status);
    }
    const res = await fetch(`${srv.baseUrl}/login`, { method: "POST", body: new URLSearchParams({ username: "manager", password: "test-password" }), redirect: "manual" });
    expect(res.status).toBe(429);
    expect(await res.text()).toContain("Too many failed sign-ins");
  });

  it("stops on SIGTERM with exit code 0", async () => {
    const other = await startServer();
    expect(await other.stop()).toBe(0);
  });
});

describe("start-up configuration", () => {
  it("a bad value stops the start with exit code ≠ 0 naming the key, no stack trace", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-badcfg-"));
    fs.writeFileSync(path.join(dir, "app-config.yaml"), "plugins:\n  stripe:\n    secretKey: nope\n");
    const r = spawnSync(process.execPath, [path.join(ROOT, "server/index.js")], {
      env: { ...process.env, OPSDECK_CWD: dir, SESSION_SECRET: "x".repeat(32), PORT: "0" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('plugins.stripe.secretKey: must start with "sk_"');
    expect(r.stderr).toContain("PORT: must be a port number");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("the portal server on PostgreSQL", () => {
  it("migrates, starts and signs in with DATABASE_URL=postgres://127.0.0.1:5432/<db>", async () => {
    const db = await freshDatabaseUrl("postgres");
    const srv = await startServer({ env: { DATABASE_URL: db.url } });
    try {
      expect(await (await fetch(`${srv.baseUrl}/healthz`)).json()).toMatchObject({ status: "ok", store: "postgres" });
      const cookie = await signIn(srv.baseUrl, "responder");
      const page = await fetch(`${srv.baseUrl}/`, { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("responder");
    } finally {
      await srv.stop();
      await db.drop();
    }
  });
});
