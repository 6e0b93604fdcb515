import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { verifyAudit, checkpointSettings } from "~/core/audit/checkpoints.server";
import { migrate, openStore } from "~/core/db/store.server";
import { freshDatabaseUrl } from "../helpers/portal";

// Defect 8: user changes made with `npm run user` on the server's machine were not audited.
const ROOT = path.resolve(__dirname, "../..");

function userCli(args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync("npm", ["run", "--silent", "user", "--", ...args], { cwd: ROOT, env: { ...process.env, ...env }, input, encoding: "utf8", timeout: 90_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("npm run user", { timeout: 240_000 }, () => {
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
