import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyAudit, checkpointSettings } from "~/core/audit/checkpoints.server";
import { migrate, openStore } from "~/core/db/store.server";
import { DIALECTS, freshDatabaseUrl } from "../helpers/portal";
import { startServer } from "../helpers/server";

// Defect 8: user changes made with `npm run user` on the server's machine were not audited.
const ROOT = path.resolve(__dirname, "../..");

function userCli(args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync("npm", ["run", "--silent", "user", "--", ...args], { cwd: ROOT, env: { ...process.env, ...env }, input, encoding: "utf8", timeout: 240_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("npm run user", { timeout: 900_000 }, () => {
  it("audits every user change it makes (add, roles, disable), covered by a signed checkpoint", async () => {
    const db = await freshDatabaseUrl("sqlite");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-cli-"));
    fs.writeFileSync(path.join(dir, "app-config.yaml"), "app:\n  demo: false\n");
    const env = { DATABASE_URL: db.url, OPSDECK_CONFIG: path.join(dir, "app-config.yaml"), OPSDECK_DATA_DIR: path.join(dir, "data"), SESSION_SECRET: "cli-test-session-secret-0123456789" };
    try {
      const store0 = await openStore(db.url);
      await migrate(store0);
      await store0.close();
      expect(userCli(["add", "carol", "--role", "responder"], env, "long-enough-pw\n").code).toBe(0);
      expect(userCli(["roles", "carol", "--role", "admin"], env).code).toBe(0);
      expect(userCli(["disable", "carol"], env).code).toBe(0);
      const bad = userCli(["roles", "nobody", "--role", "admin"], env);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(/no user called nobody/);

      const store = await openStore(db.url);
      try {
        const rows = await store.db.selectFrom("audit_entries").selectAll().where("target", "=", "user:carol").orderBy("seq").execute();
        expect(rows.map((r) => r.action)).toEqual(["portal.user-add", "portal.user-roles", "portal.user-disable"]);
        for (const r of rows) {
          expect(r.actor).toMatch(/^cli:/);
          expect(JSON.parse(r.details).via).toBe("cli");
        }
        expect(JSON.parse(rows[1].details)).toMatchObject({ from: ["responder"], to: ["admin"] });
        expect(JSON.stringify(rows)).not.toContain("long-enough-pw");
        const report = await verifyAudit(store, checkpointSettings({ config: { audit: { checkpointEvery: "1m" } }, dataDir: path.join(dir, "data") }));
        expect(report.checkpointProblems).toEqual([]);
        expect(report.ok).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** POST /login as a browser's form sends it; returns the session cookie. */
async function signIn(baseUrl: string, username: string, password: string): Promise<string> {
  const post = () => fetch(`${baseUrl}/login`, { method: "POST", body: new URLSearchParams({ username, password, redirectTo: "/" }), redirect: "manual" });
  // A kept-alive connection idle through the CLI's run may be closed by the server as it is reused: once more on a new one.
  const res = await post().catch(() => post());
  const cookie = res.headers.get("set-cookie");
  await res.arrayBuffer();
  if (res.status !== 302 || !cookie) throw new Error(`sign-in as ${username} failed: ${res.status}`);
  return cookie.split(";")[0];
}

// Issue 25, defect 4: the CLI booted without plugins, so on any store a portal had started (its
// plugins' migrations applied) the migrator refused and no admin could be added after the first start.
describe.each(DIALECTS)("npm run user on a store a portal with every plugin has started (%s), while it runs", { timeout: 900_000 }, (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it("adds an admin who then signs in over HTTP; disable takes effect on the running portal", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-cli-live-"));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const env: Record<string, string> = { OPSDECK_CONFIG: path.join(dir, "app-config.yaml"), OPSDECK_DATA_DIR: path.join(dir, "data") };
    if (dialect === "postgres") {
      const db = await freshDatabaseUrl("postgres");
      cleanups.push(() => db.drop());
      env.DATABASE_URL = db.url;
    }
    // Demo mode configures every installed plugin, so every plugin's migrations are applied.
    const server = await startServer({ dir, config: {}, env: dialect === "postgres" ? { DATABASE_URL: env.DATABASE_URL } : {} });
    cleanups.push(() => server.stop());
    const health = (await (await fetch(`${server.baseUrl}/healthz`)).json()) as { plugins: string[]; store: string };
    expect(health.store).toBe(dialect);
    expect(health.plugins).toEqual(expect.arrayContaining(["backups", "cron", "stripe", "supabase", "firestore", "redis"]));
    const applied = await (async () => {
      const store = await openStore(env.DATABASE_URL ?? path.join(dir, "data", "opsdeck.sqlite"));
      try {
        return (await store.db.selectFrom("kysely_migration" as never).select("name" as never).execute()).map((r) => (r as { name: string }).name);
      } finally {
        await store.close();
      }
    })();
    expect(applied).toContain("plugin-backups-001-catalog");

    const add = userCli(["add", "first-admin", "--role", "admin"], env, "first-admin-password\n");
    expect(add.code, add.out).toBe(0);
    expect(add.out).toMatch(/created first-admin \(admin\)/);
    const cookie = await signIn(server.baseUrl, "first-admin", "first-admin-password");
    expect(cookie).toMatch(/=/);
    const me = await fetch(`${server.baseUrl}/audit/export?format=ndjson`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.text()).toMatch(/"action":"portal.user-add".*"target":"user:first-admin"/);

    const list = userCli(["list"], env);
    expect(list.code, list.out).toBe(0);
    expect(list.out).toMatch(/^first-admin\tadmin$/m);
    expect(userCli(["disable", "first-admin"], env).code).toBe(0);
    await expect(signIn(server.baseUrl, "first-admin", "first-admin-password")).rejects.toThrow(/sign-in as first-admin failed: 401/);
  });
});
