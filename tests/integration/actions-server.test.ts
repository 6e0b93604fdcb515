import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOrUpdateUser } from "~/core/auth.server";
import { migrate, openStore } from "~/core/db/store.server";
import { freshDatabaseUrl } from "../helpers/portal";
import { signIn, startServer, type RunningServer } from "../helpers/server";

// Real portal processes (built server: run `npx remix build` first). Only the demo plugin is
// enabled, so these tests depend on nothing but the guard pipeline and its store.
const ROOT = path.resolve(__dirname, "../..");
const SESSION_SECRET = "server-test-session-secret-0123456789";
const AUDIT_KEY = "server-test-audit-key-0123456789";

async function seedUsers(databaseUrl: string) {
  const store = await openStore(databaseUrl);
  try {
    await migrate(store);
    for (const [username, role] of [["admin", "admin"], ["admin2", "admin"], ["responder", "responder"], ["viewer", "viewer"]]) {
      await createOrUpdateUser(store, { username, password: "test-password", roles: [role] });
    }
  } finally {
    await store.close();
  }
}

function serverOptions(dir: string, databaseUrl: string) {
  return {
    dir,
    config: { app: { demo: false, dataDir: "./data" }, plugins: { demo: { stateFile: path.join(dir, "demo-state.json") } } },
    env: { DATABASE_URL: databaseUrl, SESSION_SECRET, OPSDECK_AUDIT_KEY: AUDIT_KEY },
  };
}

async function post(server: RunningServer, pathname: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${server.baseUrl}${pathname}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, any> };
}

async function getJson(server: RunningServer, pathname: string, cookie: string) {
  const res = await fetch(`${server.baseUrl}${pathname}`, { headers: { cookie } });
  return (await res.json()) as Record<string, any>;
}

function verifyCli(databaseUrl: string, dir: string) {
  const r = spawnSync("npm", ["run", "--silent", "audit:verify"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, OPSDECK_CONFIG: path.join(dir, "app-config.yaml"), OPSDECK_DATA_DIR: path.join(dir, "data"), OPSDECK_AUDIT_KEY: AUDIT_KEY, SESSION_SECRET },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const servers: RunningServer[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill9().catch(() => {});
  for (const d of drops) await d().catch(() => {});
});

describe("guard pipeline through the real server", () => {
  it("refuses a cross-site POST (403) even with a valid admin session; same-origin passes", async () => {
    const db = await freshDatabaseUrl("sqlite");
    drops.push(db.drop);
    await seedUsers(db.url);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-xs-"));
    const server = await startServer(serverOptions(dir, db.url));
    servers.push(server);
    const cookie = await signIn(server.baseUrl, "admin");
    const body = { input: { cache: "search" }, idempotencyKey: "cross-site-1" };
    const evil = await post(server, "/api/actions/demo.flush-cache", body, { cookie, origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    const evilFetch = await post(server, "/api/actions/demo.flush-cache", body, { cookie, "sec-fetch-site": "cross-site" });
    expect(evilFetch.status).toBe(403);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "demo-state.json"), "utf8")).caches.search.flushes).toBe(0);
    const ok = await post(server, "/api/actions/demo.flush-cache", body, { cookie, origin: server.baseUrl });
    expect(ok.status).toBe(202);
    await server.stop();
  }, 120_000);

  it("kill -9 mid-action: after restart the run shows `interrupted`, audited, and the target is free", async () => {
    const db = await freshDatabaseUrl("sqlite");
    drops.push(db.drop);
    await seedUsers(db.url);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-k9-"));
    const first = await startServer(serverOptions(dir, db.url));
    servers.push(first);
    const cookie = await signIn(first.baseUrl, "responder");
    const start = await post(first, "/api/actions/demo.reindex", { input: { index: "orders", batches: 100, delayMs: 200 }, idempotencyKey: "long-reindex-k9" }, { cookie, origin: first.baseUrl });
    expect(start.status).toBe(202);
    const runId = start.body.runId as string;
    // Wait until it has really made progress, then kill the process on the spot.
    for (let i = 0; i < 100; i++) {
      const run = await getJson(first, `/api/runs/${runId}`, cookie);
      if (run.progress?.done >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await first.kill9();

    const second = await startServer({ ...serverOptions(dir, db.url), config: undefined });
    servers.push(second);
    const cookie2 = await signIn(second.baseUrl, "responder");
    const run = await getJson(second, `/api/runs/${runId}`, cookie2);
    expect(run.status).toBe("interrupted");
    expect(run.progress.done).toBeGreaterThanOrEqual(2);
    expect(run.progress.done).toBeLessThan(100);
    const exported = await (await fetch(`${second.baseUrl}/audit/export?format=ndjson&run=${runId}`, { headers: { cookie: cookie2 } })).text();
    const outcomes = exported.trim().split("\n").map((l) => JSON.parse(l).outcome);
    expect(outcomes).toEqual(["started", "interrupted"]);
    const again = await post(second, "/api/actions/demo.reindex", { input: { index: "orders", batches: 1, delayMs: 10 }, idempotencyKey: "after-restart-1" }, { cookie: cookie2, origin: second.baseUrl });
    expect(again.status).toBe(202);
    await second.stop();
    const v = verifyCli(db.url, dir);
    expect(v.code, v.out).toBe(0);
  }, 180_000);

  it("two portal processes on one PostgreSQL append concurrently into one chain that verifies", async () => {
    const db = await freshDatabaseUrl("postgres");
    drops.push(db.drop);
    await seedUsers(db.url);
    const dirA = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-pgA-"));
    const dirB = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-pgB-"));
    const a = await startServer(serverOptions(dirA, db.url));
    servers.push(a);
    const b = await startServer(serverOptions(dirB, db.url));
    servers.push(b);
    const [ca, cb] = [await signIn(a.baseUrl, "responder"), await signIn(b.baseUrl, "responder")];
    const caches = ["sessions", "pricing", "search"];
    const fire = (s: RunningServer, cookie: string, tag: string) =>
      Array.from({ length: 25 }, (_, i) => post(s, "/api/actions/demo.flush-cache", { input: { cache: caches[i % 3] }, idempotencyKey: `${tag}-flush-${i}` }, { cookie, origin: s.baseUrl }));
    const results = await Promise.all([...fire(a, ca, "a"), ...fire(b, cb, "b")]);
    // Every request either ran or was refused by the cross-instance lock: never a 5xx.
    for (const r of results) expect([202, 409]).toContain(r.status);
    expect(results.filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(3);
    // Let the runs finish, then stop both (writes their final checkpoints).
    await new Promise((r) => setTimeout(r, 1500));
    await Promise.all([a.stop(), b.stop()]);
    const va = verifyCli(db.url, dirA);
    expect(va.code, va.out).toBe(0);
    expect(va.out).toMatch(/intact: \d+ entries/);
    const n = Number(/intact: (\d+) entries/.exec(va.out)![1]);
    expect(n).toBeGreaterThanOrEqual(50);
    const vb = verifyCli(db.url, dirB);
    expect(vb.code, vb.out).toBe(0);
  }, 180_000);
});
