import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { action, definePlugin } from "../../plugins/plugin-api";
import { installedPlugins } from "~/plugins.server";
import { ANONYMOUS_DENIALS_PER_MINUTE } from "~/core/audit/anonymous-denials.server";
import { createApiToken, login, sessionCookie } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import * as actionsIndex from "~/routes/api.actions._index";
import * as runAction from "~/routes/api.actions.$actionId";
import { makeRequest, testPortal } from "../helpers/portal";

/** An action that declares no risk: it must count as critical. */
const fixture = definePlugin({
  id: "fx",
  title: "Fixture",
  config: z.object({}),
  async demo() {
    return { config: {}, stop: async () => {} };
  },
  setup: () => ({ actions: [action({ id: "undeclared", title: "No declared risk", input: z.object({ n: z.number() }), run: async () => ({ summary: "ran" }) })] }),
});

const ROLES = ["anonymous", "viewer", "responder", "admin", "manager"] as const;
type Who = (typeof ROLES)[number];

/** The rule, written out independently of the code under test. */
function expectedAllowed(who: Who, risk: string): boolean {
  if (who === "admin") return true;
  if (who === "responder") return risk === "low";
  return false;
}

async function call(actionId: string, body: unknown, headers: Record<string, string>) {
  const request = makeRequest(`/api/actions/${encodeURIComponent(actionId)}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const res = (await runAction.action({ request, params: { actionId }, context: {} } as never)) as Response;
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe("authorization matrix: every registered action × role", () => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  const cookies: Partial<Record<Who, string>> = {};

  beforeAll(async () => {
    ({ portal, cleanup } = await testPortal({ config: { app: { demo: true } }, plugins: [...installedPlugins, fixture] }));
    for (const who of ROLES) {
      if (who === "anonymous") continue;
      const r = await login(portal.store, portal.config, { username: who, password: "test-password", address: "127.0.0.1" });
      if (!r.ok) throw new Error(`cannot sign in as ${who}`);
      cookies[who] = sessionCookie(makeRequest("/"), r.token, 3600).split(";")[0];
    }
  }, 120_000);
  afterAll(async () => {
    await cleanup?.();
  });

  it("registers the demo actions at every risk level, and undeclared risk as critical", () => {
    const risks = new Map([...portal.registry.actions.values()].map((a) => [a.id, a.risk]));
    expect(risks.get("demo.flush-cache")).toBe("low");
    expect(risks.get("demo.rotate-key")).toBe("high");
    expect(risks.get("demo.purge-queue")).toBe("critical");
    expect(risks.get("fx.undeclared")).toBe("critical");
  });

  it("lists actions with their risk for any signed-in user", async () => {
    const res = (await actionsIndex.loader({ request: makeRequest("/api/actions", { cookie: cookies.viewer }), params: {}, context: {} } as never)) as Response;
    const list = (await res.json()) as { id: string; title: string; risk: string }[];
    expect(list.map((a) => a.id)).toEqual(expect.arrayContaining(["demo.flush-cache", "demo.rotate-key", "demo.purge-queue", "demo.reindex"]));
    for (const a of list) expect(["low", "high", "critical"]).toContain(a.risk);
  });

  it("default deny: only the roles the risk allows get past authorization; every stop is audited", async () => {
    const actions = [...portal.registry.actions.values()];
    expect(actions.length).toBeGreaterThanOrEqual(5);
    const runsBefore = await portal.store.db.selectFrom("action_runs").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    let n = 0;
    let anonymous = 0;
    for (const reg of actions) {
      // A body that no object schema accepts: an authorized caller stops at validation, so nothing runs.
      const garbage = "__not_an_object__";
      if (reg.def.input.safeParse(garbage).success) throw new Error(`${reg.id}: input schema accepts a bare string; extend this test`);
      for (const who of ROLES) {
        const headers: Record<string, string> = who === "anonymous" ? {} : { cookie: cookies[who]! };
        const res = await call(reg.id, { input: garbage, confirm: reg.id, idempotencyKey: `matrix-${who}-${n++}` }, headers);
        const last = await portal.store.db.selectFrom("audit_entries").selectAll().orderBy("seq", "desc").limit(1).executeTakeFirstOrThrow();
        const label = `${reg.id} (${reg.risk}) as ${who}`;
        if (who === "anonymous" && ++anonymous > ANONYMOUS_DENIALS_PER_MINUTE) {
          // Past the per-address budget, anonymous refusals are counted in one `rate_limited` entry, not written one by one.
          expect(res.status, label).toBe(401);
          if (anonymous === ANONYMOUS_DENIALS_PER_MINUTE + 1) expect([last.actor, last.outcome], label).toEqual(["anonymous", "rate_limited"]);
          continue;
        }
        expect(last.action, label).toBe(reg.id);
        expect(last.actor, label).toBe(who);
        if (expectedAllowed(who, reg.risk)) {
          expect(res.status, label).toBe(400);
          expect(res.body.fieldErrors, label).toBeTruthy();
          expect(last.outcome, label).toBe("invalid");
        } else {
          expect(res.status, label).toBe(who === "anonymous" ? 401 : 403);
          expect(last.outcome, label).toBe("denied");
        }
      }
    }
    const runsAfter = await portal.store.db.selectFrom("action_runs").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(Number(runsAfter.n)).toBe(Number(runsBefore.n));
  });

  it("a viewer's forged POST with valid input → 403 and a `denied` entry, and no run", async () => {
    const res = await call("demo.flush-cache", { input: { cache: "search" }, idempotencyKey: "forged-viewer-1" }, { cookie: cookies.viewer! });
    expect(res.status).toBe(403);
    const last = await portal.store.db.selectFrom("audit_entries").selectAll().orderBy("seq", "desc").limit(1).executeTakeFirstOrThrow();
    expect([last.actor, last.outcome]).toEqual(["viewer", "denied"]);
    const runs = await portal.store.db.selectFrom("action_runs").select("id").where("idempotency_key", "like", "viewer|%").execute();
    expect(runs).toHaveLength(0);
  });

  it("invalid input → 400 with field errors and an `invalid` entry", async () => {
    const res = await call("demo.reindex", { input: { index: "orders", batches: 0 }, idempotencyKey: "invalid-input-1" }, { cookie: cookies.responder! });
    expect(res.status).toBe(400);
    expect(res.body.fieldErrors.batches).toBeTruthy();
    const last = await portal.store.db.selectFrom("audit_entries").selectAll().orderBy("seq", "desc").limit(1).executeTakeFirstOrThrow();
    expect(last.outcome).toBe("invalid");
    expect(JSON.parse(last.details).fieldErrors.batches).toBeTruthy();
  });

  it("non-JSON bodies are refused (415) and audited", async () => {
    const request = makeRequest("/api/actions/demo.flush-cache", { method: "POST", cookie: cookies.responder, headers: { "content-type": "text/plain" }, body: "cache=search" });
    const res = (await runAction.action({ request, params: { actionId: "demo.flush-cache" }, context: {} } as never)) as Response;
    expect(res.status).toBe(415);
  });

  it("API tokens go through the same pipeline and never exceed the roles they were given", async () => {
    const adminRow = await portal.store.db.selectFrom("users").select("id").where("username", "=", "admin").executeTakeFirstOrThrow();
    const viewerToken = await createApiToken(portal.store, adminRow.id, "read only", ["viewer"]);
    const denied = await call("demo.flush-cache", { input: { cache: "search" }, idempotencyKey: "token-viewer-1" }, { authorization: `Bearer ${viewerToken.token}` });
    expect(denied.status).toBe(403);
    const fullToken = await createApiToken(portal.store, adminRow.id, "chatops");
    const ok = await call("demo.flush-cache", { input: { cache: "search" }, idempotencyKey: "token-admin-1" }, { authorization: `Bearer ${fullToken.token}` });
    expect(ok.status).toBe(202);
    const started = await portal.store.db.selectFrom("audit_entries").selectAll().where("run_id", "=", ok.body.runId).executeTakeFirstOrThrow();
    expect(JSON.parse(started.details).via).toBe(`token ${fullToken.id}`);
    const bogus = await call("demo.flush-cache", { input: { cache: "search" }, idempotencyKey: "token-bogus-1" }, { authorization: "Bearer odk_nope" });
    expect(bogus.status).toBe(401);
  });
});
