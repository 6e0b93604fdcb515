// Issue 25, the smaller trust items (defect 8): refusals by signed-in users are rate-limited per
// user and per token with a summary of what was not written; the Origin check compares schemes;
// a requester withdraws their own "ask an admin" request (an approval afterwards is 409); a long
// or bad redirectTo falls back to "/"; a live read that cannot be audited answers 503; a press the
// preview knows will fail (redis.delete-keys without its previewed set) never reaches an approver.
import type http from "node:http";
import { sql } from "kysely";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { action, definePlugin } from "../../plugins/plugin-api";
import firestore from "../../plugins/firestore";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import redisPlugin from "../../plugins/redis";
import { createApiToken, createOrUpdateUser, login, requireUser, sessionCookie } from "~/core/auth.server";
import { flushRefusalSummaries, SIGNED_IN_REFUSALS } from "~/core/audit/refusal-budget.server";
import { isCrossOrigin, requestProtocol } from "~/core/express-server.server";
import type { Portal } from "~/core/portal.server";
import { action as actionRoute } from "~/routes/api.actions.$actionId";
import { action as approvalRoute } from "~/routes/api.runs.$runId.approval";
import { action as cancelRoute } from "~/routes/api.runs.$runId.cancel";
import { action as liveAction } from "~/routes/api.runbooks.live.$";
import { action as loginAction } from "~/routes/login";
import { makeRequest, testPortal } from "../helpers/portal";
import { shopCatalog } from "../helpers/shop";

type Route = (args: any) => Promise<unknown>;

async function call(route: Route, url: string, params: Record<string, string>, init: RequestInit & { cookie?: string } = {}): Promise<Response> {
  try {
    return (await route({ request: makeRequest(url, init), params, context: {} })) as Response;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

const json = (body: unknown, auth: Record<string, string>) => ({ method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });

async function signInCookie(portal: Portal, username: string): Promise<string> {
  const r = await login(portal.store, portal.config, { username, password: "test-password", address: "127.0.0.1" });
  if (!r.ok) throw new Error(`cannot sign in as ${username}`);
  return sessionCookie(makeRequest("/"), r.token, 3600).split(";")[0];
}

const shop = definePlugin({
  id: "shop",
  title: "Shop",
  config: z.object({}).strict(),
  async demo() {
    return { config: {}, stop: async () => {} };
  },
  setup: () => ({
    actions: [
      action({ id: "wipe", title: "Wipe", risk: "critical", input: z.object({ what: z.string().min(1) }), target: (i) => `wipe:${i.what}`, run: async (i) => ({ summary: `wiped ${i.what}` }) }),
      action({ id: "rotate", title: "Rotate a key", risk: "high", input: z.object({ keyName: z.string().min(3) }), target: (i) => `key:${i.keyName}`, run: async (i) => ({ summary: `rotated ${i.keyName}` }) }),
    ],
  }),
});

describe("signed-in refusals, requests, sign-in (a portal on SQLite)", () => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    ({ portal, cleanup } = await testPortal({ plugins: [shop] }));
    for (const [username, roles] of [["viewer", ["viewer"]], ["responder", ["responder"]], ["admin", ["admin"]], ["admin2", ["admin"]]] as const) {
      await createOrUpdateUser(portal.store, { username, password: "test-password", roles: [...roles] });
    }
    for (const u of await portal.store.db.selectFrom("users").select(["id", "username"]).execute()) {
      auth[u.username] = { authorization: `Bearer ${(await createApiToken(portal.store, u.id, "test")).token}` };
    }
  });
  afterAll(async () => cleanup?.());

  const entries = (actor: string, outcome: string) =>
    portal.store.db.selectFrom("audit_entries").selectAll().where("actor", "=", actor).where("outcome", "=", outcome).orderBy("seq", "asc").execute();

  it("a viewer token's flood of refusals writes its budget one by one, one notice, then 429s and one summary with the count", async () => {
    const flood = SIGNED_IN_REFUSALS.perWindow + 150;
    const statuses: number[] = [];
    for (let i = 0; i < flood; i++) {
      const res = await call(actionRoute, "/api/actions/shop.wipe", { actionId: "shop.wipe" }, json({ input: { what: "orders" }, confirm: "wipe:orders", idempotencyKey: `flood-${i}` }, auth.viewer));
      statuses.push(res.status);
    }
    expect(statuses.slice(0, SIGNED_IN_REFUSALS.perWindow + 1).every((s) => s === 403)).toBe(true);
    expect(statuses.slice(SIGNED_IN_REFUSALS.perWindow + 1).every((s) => s === 429)).toBe(true);
    expect(await entries("viewer", "denied")).toHaveLength(SIGNED_IN_REFUSALS.perWindow);
    const notices = await entries("viewer", "rate_limited");
    expect(notices).toHaveLength(1);
    expect(JSON.parse(notices[0].details).reason).toMatch(/counted, not written one by one/);

    // The same user signed in (a session) has a budget of its own: its refusal is written.
    const cookie = await signInCookie(portal, "viewer");
    const own = await call(actionRoute, "/api/actions/shop.wipe", { actionId: "shop.wipe" }, { ...json({ input: { what: "x" } }, {}), cookie });
    expect(own.status).toBe(403);
    expect(await entries("viewer", "denied")).toHaveLength(SIGNED_IN_REFUSALS.perWindow + 1);

    await flushRefusalSummaries(portal);
    const summaries = (await entries("viewer", "rate_limited")).filter((e) => JSON.parse(e.details).summary);
    expect(summaries).toHaveLength(1);
    const summary = JSON.parse(summaries[0].details);
    expect(summary.suppressed).toBe(flood - SIGNED_IN_REFUSALS.perWindow - 1);
    expect(summary.principal).toMatch(/^token:/);
    expect(summary.reason).toContain(`${flood - SIGNED_IN_REFUSALS.perWindow - 1} further refusals`);
    // After the summary a new window starts: the next refusal is written again.
    const next = await call(actionRoute, "/api/actions/shop.wipe", { actionId: "shop.wipe" }, json({ input: { what: "orders" }, confirm: "wipe:orders" }, auth.viewer));
    expect(next.status).toBe(403);
    expect(await entries("viewer", "denied")).toHaveLength(SIGNED_IN_REFUSALS.perWindow + 2);
  }, 120_000);

  it("the requester withdraws their own request; another admin cannot; an approval afterwards is 409", async () => {
    const asked = await call(actionRoute, "/api/actions/shop.rotate", { actionId: "shop.rotate" }, json({ input: { keyName: "signing" }, request: { reason: "the signing key leaked in a log" } }, auth.responder));
    expect(asked.status).toBe(202);
    const { runId } = (await asked.json()) as { runId: string };
    const cancel = (who: string) => call(cancelRoute, `/api/runs/${runId}/cancel`, { runId }, json({}, auth[who]));

    const byAdmin = await cancel("admin");
    expect(byAdmin.status).toBe(403);
    expect(((await byAdmin.json()) as { error: string }).error).toMatch(/only responder, who asked, may withdraw/);
    const byViewer = await cancel("viewer");
    expect(byViewer.status).toBe(403);

    const withdrawn = await cancel("responder");
    expect(withdrawn.status).toBe(200);
    expect(await withdrawn.json()).toMatchObject({ runId, status: "cancelled" });
    const run = await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", runId).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: "cancelled", cancelled_by: "responder" });
    expect(await portal.store.db.selectFrom("action_requests").select("run_id").where("run_id", "=", runId).execute()).toHaveLength(0);
    const last = await portal.store.db.selectFrom("audit_entries").selectAll().where("run_id", "=", runId).orderBy("seq", "desc").executeTakeFirstOrThrow();
    expect([last.actor, last.outcome]).toEqual(["responder", "cancelled"]);

    const approve = await call(approvalRoute, `/api/runs/${runId}/approval`, { runId }, json({ decision: "approve", confirm: "key:signing" }, auth.admin));
    expect(approve.status).toBe(409);
    expect(await portal.store.db.selectFrom("action_runs").select("id").where("actor", "=", "admin").where("action_id", "=", "shop.rotate").execute()).toHaveLength(0);
    expect((await cancel("responder")).status).toBe(409);
  });

  it("a redirectTo over 2,000 characters, off-site or repeated signs in to / instead of answering 400", async () => {
    const long = "/runbooks/" + "a".repeat(2100);
    for (const redirectTo of [long, "//evil.example/x", "https://evil.example/", ["/audit", "/incidents"]]) {
      const body = new URLSearchParams({ username: "admin", password: "test-password" });
      for (const r of [redirectTo].flat()) body.append("redirectTo", r);
      const res = await call(loginAction, "/login", {}, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
      expect(res.status, JSON.stringify(redirectTo).slice(0, 40)).toBe(302);
      expect(res.headers.get("location")).toBe("/");
    }
    const none = await call(loginAction, "/login", {}, { method: "POST", body: new URLSearchParams({ username: "admin", password: "test-password" }), headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(none.headers.get("location")).toBe("/");
    const good = new URLSearchParams({ username: "admin", password: "test-password", redirectTo: "/audit?q=1" });
    const res = await call(loginAction, "/login", {}, { method: "POST", body: good, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.headers.get("location")).toBe("/audit?q=1");
    // A signed-out visit to a page whose address is too long to carry back goes to plain sign-in.
    const thrown = await requireUser(makeRequest(long, { headers: { accept: "text/html" } })).catch((r: Response) => r);
    expect((thrown as Response).headers.get("location")).toBe("/login");
    const short = await requireUser(makeRequest("/audit?x=1", { headers: { accept: "text/html" } })).catch((r: Response) => r);
    expect((short as Response).headers.get("location")).toBe(`/login?redirectTo=${encodeURIComponent("/audit?x=1")}`);
  });
});

describe("the Origin check compares the scheme", () => {
  const req = (origin: string, extra: Record<string, string> = {}) =>
    ({ method: "POST", headers: { host: "portal.example", origin, cookie: "s=1", ...extra }, socket: { remoteAddress: "10.0.0.2" } }) as unknown as http.IncomingMessage;

  it("http://host posting to https://host is another origin; the proxy's X-Forwarded-Proto counts only when trusted", () => {
    expect(isCrossOrigin(req("https://portal.example"), [], () => "https")).toBe(false);
    expect(isCrossOrigin(req("http://portal.example"), [], () => "https")).toBe(true);
    expect(isCrossOrigin(req("https://portal.example"), [], () => "http")).toBe(true);
    expect(isCrossOrigin(req("http://portal.example:80"), [], () => "http")).toBe(false);
    expect(isCrossOrigin(req("https://portal.example:8443"), [], () => "https")).toBe(true);
    expect(isCrossOrigin(req("http://portal.example"), ["http://portal.example"], () => "https")).toBe(false);
    expect(isCrossOrigin({ ...req("http://portal.example"), headers: { host: "portal.example", referer: "http://portal.example/runbooks", cookie: "s=1" } } as http.IncomingMessage, [], () => "https")).toBe(true);

    const behindProxy = req("https://portal.example", { "x-forwarded-proto": "https, http" });
    expect(requestProtocol(behindProxy, () => true)).toBe("https");
    expect(requestProtocol(behindProxy, () => false)).toBe("http");
    expect(isCrossOrigin(behindProxy, [], (r) => requestProtocol(r, () => false))).toBe(true);
    expect(isCrossOrigin(behindProxy, [], (r) => requestProtocol(r, () => true))).toBe(false);
  });
});

describe("a live Firestore read during an audit outage", () => {
  let fsb: FirestoreSandbox;
  let t: Awaited<ReturnType<typeof testPortal>>;
  let viewer: string;

  beforeAll(async () => {
    fsb = await startFirestoreSandbox({ catalog: shopCatalog });
    t = await testPortal({
      plugins: [firestore],
      config: { plugins: { firestore: wildlifeExchangeConfig(fsb) } },
      runbooks: { "health.md": "# Health\n\nThe doc `opsHealth/stripeWebhook` holds the webhook's health.\n" },
    });
    await createOrUpdateUser(t.portal.store, { username: "viewer", password: "test-password", roles: ["viewer"] });
    viewer = await signInCookie(t.portal, "viewer");
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
    await fsb?.stop();
  });

  it("answers 503 with a clear message and no fields, and 200 again once the log is writable", async () => {
    const { liveBlocksOf } = await import("~/core/runbooks/live-page.server");
    const blocks = (await liveBlocksOf("health", t.portal.registry, { dir: `${t.dir}/runbooks` }))!.blocks;
    const doc = blocks.find((b) => b.kind === "firestore")!;
    const read = () => call(liveAction as Route, "/api/runbooks/live/health", { "*": "health" }, { ...json({ id: doc.id }, {}), cookie: viewer });

    await sql`create trigger audit_full before insert on audit_entries begin select raise(abort, 'disk full'); end`.execute(t.portal.store.db);
    try {
      const res = await read();
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text).error).toMatch(/could not be recorded in the audit log/);
      expect(text).not.toContain("errorsCount");
    } finally {
      await sql`drop trigger audit_full`.execute(t.portal.store.db);
    }
    const ok = await read();
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { fields: { name: string }[] }).fields.map((f) => f.name)).toContain("errorsCount");
  }, 60_000);
});

describe("redis.delete-keys without its preview's key set is refused at the press (db 9)", () => {
  const URL_9 = "redis://127.0.0.1:6379/9";
  const r = new Redis(URL_9, { maxRetriesPerRequest: 1 });
  let t: Awaited<ReturnType<typeof testPortal>>;
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    await r.flushdb();
    const p = r.pipeline();
    for (let i = 0; i < 30; i++) p.set(`analytics:u:${i}`, "1", "EX", 3600);
    await p.exec();
    t = await testPortal({
      config: { plugins: { redis: { url: URL_9, keyPatterns: { analytics: { pattern: "analytics:*", ttl: { max: "24h" } } }, timeouts: { connect: "2s", command: "2s", scan: "5s", probe: "8s" } } } },
      plugins: [redisPlugin],
    });
    for (const [username, roles] of [["responder", ["responder"]], ["admin", ["admin"]]] as const) await createOrUpdateUser(t.portal.store, { username, password: "test-password", roles: [...roles] });
    for (const u of await t.portal.store.db.selectFrom("users").select(["id", "username"]).execute()) {
      auth[u.username] = { authorization: `Bearer ${(await createApiToken(t.portal.store, u.id, "test")).token}` };
    }
  });
  afterAll(async () => {
    await t?.cleanup();
    await r.flushdb();
    r.disconnect();
  });

  const press = (who: string, body: Record<string, unknown>) =>
    call(actionRoute, "/api/actions/redis.delete-keys", { actionId: "redis.delete-keys" }, json({ input: { pattern: "analytics:*" }, confirm: "analytics:*", reason: "analytics keys fill the memory", ...body }, auth[who]));

  it("400 naming the precondition, nothing filed for an approver; a previewed set is filed", async () => {
    const runsBefore = await t.portal.store.db.selectFrom("action_runs").select("id").execute();
    const none = await press("admin", { idempotencyKey: "dk-none-1" });
    expect(none.status).toBe(400);
    const body = (await none.json()) as { error: string; fieldErrors: Record<string, string[]> };
    expect(body.error).toMatch(/no previewed key set/);
    expect(body.fieldErrors.precondition).toBeTruthy();
    const bogus = await press("admin", { idempotencyKey: "dk-bogus-1", precondition: "rps_not_a_set" });
    expect(bogus.status).toBe(400);
    expect(((await bogus.json()) as { error: string }).error).toMatch(/unknown or older than/);
    // A responder asking an admin for it without a previewed set: refused too, nothing queued.
    const asked = await press("responder", { request: { reason: "analytics keys fill the memory" } });
    expect(asked.status).toBe(400);
    expect(await t.portal.store.db.selectFrom("action_runs").select("id").execute()).toHaveLength(runsBefore.length);
    const invalid = await t.portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "redis.delete-keys").where("outcome", "=", "invalid").execute();
    expect(invalid.length).toBeGreaterThanOrEqual(2);

    const preview = await call(
      (await import("~/routes/api.actions.$actionId.preview")).action as Route,
      "/api/actions/redis.delete-keys/preview",
      { actionId: "redis.delete-keys" },
      json({ input: { pattern: "analytics:*" } }, auth.admin),
    );
    const { preview: p } = (await preview.json()) as { preview: { precondition: string; count: number } };
    expect(p.count).toBe(30);
    const filed = await press("admin", { idempotencyKey: "dk-filed-1", precondition: p.precondition });
    expect(filed.status, await filed.clone().text()).toBe(202);
    expect(await filed.json()).toMatchObject({ status: "awaiting_approval" });
  }, 60_000);
});
