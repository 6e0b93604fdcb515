import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOrUpdateUser } from "~/core/auth.server";
import { migrate, openStore } from "~/core/db/store.server";
import { freshDatabaseUrl } from "../helpers/portal";
import { signIn, startServer, type RunningServer } from "../helpers/server";

// Defect 7 and the audited refusals of defect 8, against real portal processes (run
// `npx remix build` first). The audit key lives outside the database, as in production.
const ROOT = path.resolve(__dirname, "../..");
const SESSION_SECRET = "tail-test-session-secret-0123456789";
const AUDIT_KEY = "tail-test-audit-key-0123456789abcdef";

const servers: RunningServer[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill9().catch(() => {});
  for (const d of drops) await d().catch(() => {});
});

async function portalProcess() {
  const db = await freshDatabaseUrl("sqlite");
  drops.push(db.drop);
  const store = await openStore(db.url);
  await migrate(store);
  for (const [username, role] of [["admin", "admin"], ["admin2", "admin"], ["responder", "responder"]]) {
    await createOrUpdateUser(store, { username, password: "test-password", roles: [role] });
  }
  await store.close();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-tail-"));
  drops.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const server = await startServer({
    dir,
    config: { app: { demo: false, dataDir: "./data" }, plugins: { demo: { stateFile: path.join(dir, "demo-state.json") } } },
    env: { DATABASE_URL: db.url, SESSION_SECRET, OPSDECK_AUDIT_KEY: AUDIT_KEY },
  });
  servers.push(server);
  return { server, dir, url: db.url };
}

function verifyCli(databaseUrl: string, dir: string) {
  const r = spawnSync("npm", ["run", "--silent", "audit:verify"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, OPSDECK_CONFIG: path.join(dir, "app-config.yaml"), OPSDECK_DATA_DIR: path.join(dir, "data"), OPSDECK_AUDIT_KEY: AUDIT_KEY, SESSION_SECRET },
    encoding: "utf8",
    timeout: 240_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

async function press(server: RunningServer, cookie: string, key: string) {
  const res = await fetch(`${server.baseUrl}/api/actions/demo.flush-cache`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie, origin: server.baseUrl },
    body: JSON.stringify({ input: { cache: "search" }, idempotencyKey: key }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function cutNewest(databaseUrl: string, fromSeq: number) {
  const store = await openStore(databaseUrl);
  try {
    await store.db.deleteFrom("audit_entries").where("seq", ">=", fromSeq).execute();
  } finally {
    await store.close();
  }
}

async function seqOf(databaseUrl: string, runId: string, outcome: string): Promise<number> {
  const store = await openStore(databaseUrl);
  try {
    const row = await store.db.selectFrom("audit_entries").select("seq").where("run_id", "=", runId).where("outcome", "=", outcome).executeTakeFirstOrThrow();
    return Number(row.seq);
  } finally {
    await store.close();
  }
}

describe("an audit tail that cannot be cut", { timeout: 600_000 }, () => {
  it("kill -9 right after a press's answer, then deleting the newest entries: audit:verify exits 1", async () => {
    const { server, dir, url } = await portalProcess();
    const cookie = await signIn(server.baseUrl, "admin");
    const res = await press(server, cookie, "tail-cut-0001");
    expect(res.status).toBe(202);
    await server.kill9(); // no shutdown checkpoint, no periodic one: only the group commit before the answer

    const started = await seqOf(url, res.body.runId, "started");
    expect(verifyCli(url, dir).code).toBe(0);
    await cutNewest(url, started);
    const r = verifyCli(url, dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/cut off the end/);
  });

  it("deleting the checkpoint file along with the tail is reported while the key exists", async () => {
    const { server, dir, url } = await portalProcess();
    const cookie = await signIn(server.baseUrl, "admin");
    // Some history first (a refused press), so the log is not empty once the tail is cut.
    const unknown = await fetch(`${server.baseUrl}/api/actions/demo.no-such-action`, { method: "POST", headers: { "content-type": "application/json", cookie, origin: server.baseUrl }, body: "{}" });
    expect(unknown.status).toBe(404);
    const res = await press(server, cookie, "tail-cut-0002");
    expect(res.status).toBe(202);
    await server.kill9();
    await cutNewest(url, await seqOf(url, res.body.runId, "started"));
    fs.rmSync(path.join(dir, "data", "audit-checkpoints.ndjson"));
    const r = verifyCli(url, dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/checkpoint file .* is missing although the checkpoint key exists/);
  });

  it("refusals are audited: an unauthenticated approval (401), a non-admin approving through the /audit form (403), with via", async () => {
    const { server, url } = await portalProcess();
    const admin = await signIn(server.baseUrl, "admin");
    const req = await fetch(`${server.baseUrl}/api/actions/demo.purge-queue`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: admin, origin: server.baseUrl },
      body: JSON.stringify({ input: { queue: "dead-letter" }, confirm: "dead-letter", reason: "the dead-letter queue holds poison messages from the bad deploy", idempotencyKey: "purge-audited-1" }),
    });
    expect(req.status).toBe(202);
    const runId = ((await req.json()) as { runId: string }).runId;

    const anonymous = await fetch(`${server.baseUrl}/api/runs/${runId}/approval`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.baseUrl },
      body: JSON.stringify({ decision: "approve" }),
    });
    expect(anonymous.status).toBe(401);

    const responder = await signIn(server.baseUrl, "responder");
    const form = await fetch(`${server.baseUrl}/audit?index`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: responder, origin: server.baseUrl },
      body: new URLSearchParams({ intent: "approve", runId }).toString(),
      redirect: "manual",
    });
    expect(form.status).toBe(403);

    const store = await openStore(url);
    try {
      const rows = await store.db.selectFrom("audit_entries").selectAll().where("run_id", "=", runId).orderBy("seq").execute();
      const denials = rows.filter((r) => r.outcome === "denied");
      expect(denials.map((d) => [d.actor, JSON.parse(d.details).reason])).toEqual([
        ["anonymous", "not signed in"],
        ["responder", "approving needs the admin role"],
      ]);
      expect(JSON.parse(denials[1].details).via).toBe("session");
      expect(JSON.parse(rows[0].details).via).toBe("session");
      expect(rows.find((r) => r.outcome === "requested")).toBeTruthy();
    } finally {
      await store.close();
    }
  });

  it("anonymous denials are rate-limited per address and attacker-chosen labels are escaped", async () => {
    const { server, url } = await portalProcess();
    const label = "demo.flush-cache\u202Etxt.exe\n";
    for (let i = 0; i < 25; i++) {
      const res = await fetch(`${server.baseUrl}/api/actions/${encodeURIComponent(label)}`, { method: "POST", headers: { "content-type": "application/json", origin: server.baseUrl }, body: "{}" });
      expect(res.status).toBe(401);
    }
    const store = await openStore(url);
    try {
      const rows = await store.db.selectFrom("audit_entries").selectAll().where("actor", "=", "anonymous").orderBy("seq").execute();
      expect(rows).toHaveLength(11); // ten one by one, then one saying the rest are counted
      expect(rows.at(-1)!.outcome).toBe("rate_limited");
      for (const r of rows) {
        expect(r.action).not.toMatch(/[\u0000-\u001f\u202a-\u202e\u2066-\u2069]/);
        expect(r.action).toContain("\\u{202e}");
      }
    } finally {
      await store.close();
    }
  });
});
