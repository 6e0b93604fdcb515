import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, sessionCookie } from "~/core/auth.server";
import { changeUserFromCli } from "~/core/users.server";
import { runbookFreshness } from "~/core/runbooks/freshness.server";
import { lintRunbooks } from "~/core/runbooks/lint.server";
import { verifyRunbooks } from "~/core/runbooks/verify.server";
import type { RunbookBlock } from "~/lib/runbook";
import { loader as pageLoader } from "~/routes/runbooks.$";
import { makeRequest, testPortal } from "../helpers/portal";

// A team's first start outside demo mode: its runbooks folder holds only the starter set that
// ships in ./runbooks (the demo's runbooks/examples is not copied). No widget of it is broken,
// whether its plugin is configured or not.
const REPO = path.resolve(__dirname, "../..");
const STARTER = Object.fromEntries(
  fs
    .readdirSync(path.join(REPO, "runbooks"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => [f, fs.readFileSync(path.join(REPO, "runbooks", f), "utf8")]),
);

type Env = Awaited<ReturnType<typeof testPortal>>;

async function page(env: Env, slug: string): Promise<RunbookBlock[]> {
  // Outside demo mode there are no demo users: the first one is made as `npm run user` makes it.
  await changeUserFromCli(env.portal, { intent: "add", username: "first-viewer", password: "first-viewer-pw", roles: ["viewer"] });
  const r = await login(env.portal.store, env.portal.config, { username: "first-viewer", password: "first-viewer-pw", address: "127.0.0.1" });
  if (!r.ok) throw new Error("sign-in failed");
  const cookie = sessionCookie(makeRequest("/"), r.token, 60).split(";")[0];
  const res = (await pageLoader({ request: makeRequest(`/runbooks/${slug}`, { cookie }), params: { "*": slug }, context: {} } as never)) as Response;
  expect(res.status).toBe(200);
  return ((await res.json()) as { runbook: { blocks: RunbookBlock[] } }).runbook.blocks;
}

const unconfigured = (blocks: RunbookBlock[]) => blocks.flatMap((b) => (b.type === "unconfigured" ? [b.widget] : []));

describe("the starter runbooks on a non-demo start", () => {
  it("ships one runbook per plugin and no demo name", () => {
    expect(Object.keys(STARTER).length).toBeGreaterThanOrEqual(10);
    for (const [file, text] of Object.entries(STARTER)) {
      expect(text, file).not.toMatch(/wildlife|autorelease|demo\./i);
    }
  });

  describe("with no plugin configured", () => {
    let env: Env;
    beforeAll(async () => {
      env = await testPortal({ config: { app: { demo: false } }, runbooks: STARTER });
    });
    afterAll(async () => env?.cleanup());

    it("is not demo mode and serves the team's folder, not the examples", () => {
      expect(env.portal.config.demo).toBe(false);
      expect(env.portal.runbooksDir).toBe(path.join(env.dir, "runbooks"));
    });

    it("verification finds no broken widget; a starter runbook whose widgets are all of unconfigured plugins has nothing to verify", async () => {
      const checks = await verifyRunbooks(env.portal);
      expect(checks.map((c) => `${c.runbook}.md`).sort()).toEqual(Object.keys(STARTER).sort());
      expect(checks.filter((c) => c.broken.length)).toEqual([]);
      // Widgets of plugins not configured here are not widgets of this install (verify.server.ts).
      expect(checks.filter((c) => c.widgets > 0)).toEqual([]);
      const fresh = await runbookFreshness(env.portal);
      expect(fresh.size).toBe(checks.length);
      for (const [name, f] of fresh) {
        expect(f.broken, name).toEqual([]);
        expect(f.checkedAt, name).not.toBeNull();
        // 'Nothing to verify', not 'Verified': nothing was checked (fc52e20).
        expect({ widgets: f.widgets, verified: f.verified }, name).toEqual({ widgets: 0, verified: false });
      }
    });

    it("the widgets of unconfigured plugins say so with the YAML that would configure them", async () => {
      const redis = unconfigured(await page(env, "redis"));
      expect(redis.map((w) => w.id)).toEqual(expect.arrayContaining(["redis.ping", "redis.memory", "redis.delete-key"]));
      expect(redis[0]).toMatchObject({ plugin: "redis", pluginConfigured: false, reason: "Redis (plugins.redis) is not configured here" });
      expect(redis[0]!.snippet).toMatch(/^plugins:\n {2}redis:\n {4}url: \$\{[A-Z_]+\}/);
      // lint: not configured here, never an unknown id.
      const lint = lintRunbooks(env.portal.runbooksDir, env.portal.registry);
      expect(lint.filter((p) => !p.notConfigured)).toEqual([]);
      expect(lint.filter((p) => p.notConfigured).length).toBeGreaterThan(10);
    });
  });

  describe("with Redis configured", () => {
    let env: Env;
    beforeAll(async () => {
      env = await testPortal({ config: { plugins: { redis: { url: "redis://127.0.0.1:6379/13" } } }, runbooks: STARTER });
    });
    afterAll(async () => env?.cleanup());

    it("its starter widgets are live and not broken; the other plugins' still say not configured here", async () => {
      expect(env.portal.config.demo).toBe(false);
      const blocks = await page(env, "redis");
      expect(unconfigured(blocks)).toEqual([]);
      expect(blocks.filter((b) => b.type === "slot").length).toBeGreaterThanOrEqual(5);
      expect(blocks.filter((b) => b.type === "warning")).toEqual([]);
      const checks = await verifyRunbooks(env.portal);
      expect(checks.find((c) => c.runbook === "redis")).toMatchObject({ broken: [] });
      expect(checks.find((c) => c.runbook === "redis")!.widgets).toBeGreaterThanOrEqual(5);
      expect(checks.filter((c) => c.broken.length)).toEqual([]);
      const fresh = await runbookFreshness(env.portal);
      expect(fresh.get("redis")).toMatchObject({ verified: true, broken: [] });
      expect(fresh.get("stripe")).toMatchObject({ verified: false, widgets: 0, broken: [] });
      expect(unconfigured(await page(env, "stripe")).length).toBeGreaterThan(0);
    });
  });
});
