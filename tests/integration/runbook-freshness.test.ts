import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, sessionCookie } from "~/core/auth.server";
import { addEvent, declareIncident } from "~/core/incidents/incidents.server";
import { runbookFreshness } from "~/core/runbooks/freshness.server";
import { RUNBOOK_VERIFICATION_JOB, runbookVerificationStep, verifyRunbooks } from "~/core/runbooks/verify.server";
import { loader as indexLoader } from "~/routes/runbooks._index";
import { loader as pageLoader } from "~/routes/runbooks.$";
import { loader as overviewLoader } from "~/routes/_index";
import { fixturePlugin } from "../helpers/probe-fixture";
import { DIALECTS, makeRequest, testPortal } from "../helpers/portal";

const page = (title: string, body: string[]) => ["---", `title: ${title}`, "plugins: [fz]", "---", "## Check", ...body, ""].join("\n");

const RUNBOOKS = {
  "healthy.md": page("Healthy queue", ['::status{probe="fz.backlog"}', '::chart{probe="fz.backlog" range="1h"}']),
  "broken.md": page("Broken queue", ['::status{probe="fz.down"}', '::status{probe="fz.gone"}', '::action{id="fz.vanished"}', '::status{probe="fz.backlog"}']),
  "plain.md": page("Plain text", ["Nothing live here."]),
};

async function call(loader: (args: any) => Promise<unknown>, url: string, params: Record<string, string>, cookie: string): Promise<Response> {
  try {
    return (await loader({ request: makeRequest(url, { cookie }), params, context: {} })) as Response;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

describe.each(DIALECTS)("runbook freshness on %s", (dialect) => {
  const fx = fixturePlugin("fz", [{ id: "backlog", thresholds: { critical: "> 5" } }, { id: "down" }, { id: "orphan", thresholds: { warn: "> 0" } }]);
  let env: Awaited<ReturnType<typeof testPortal>>;
  let cookie: string;
  const responder = { username: "responder", roles: ["responder"] };

  beforeAll(async () => {
    fx.state.value.backlog = 0;
    fx.state.mode.down = "fail";
    fx.state.value.orphan = 3;
    // The scheduler's step itself: first pass once the first probe round is in (here: at once).
    env = await testPortal({ dialect, plugins: [fx.plugin], runbooks: RUNBOOKS, steps: [runbookVerificationStep({ firstRoundTimeoutMs: 0 })] });
    const r = await login(env.portal.store, env.portal.config, { username: "viewer", password: "test-password", address: "127.0.0.1" });
    if (!r.ok) throw new Error("sign-in failed");
    cookie = sessionCookie(makeRequest("/"), r.token, 60).split(";")[0];
  });
  afterAll(async () => env?.cleanup());

  it("the boot step stores a verification of every runbook after the first probe round", async () => {
    // Wait for the step's own pass to end (its claimed tick gets an outcome), not a fixed time:
    // on a loaded machine the first pass (a cold render of each runbook) took longer than 10 s.
    const deadline = Date.now() + 45_000;
    let tick: { outcome: string | null; summary: string | null } | undefined;
    while (Date.now() < deadline) {
      tick = await env.portal.store.db.selectFrom("scheduler_ticks").select(["outcome", "summary"]).where("job", "=", RUNBOOK_VERIFICATION_JOB).executeTakeFirst();
      if (tick?.outcome) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(tick).toEqual({ outcome: "succeeded", summary: "3 runbooks, 1 with broken widgets" });
    const rows = await env.portal.store.db.selectFrom("runbook_verifications").select("runbook").execute();
    expect(rows.map((r) => r.runbook).sort()).toEqual(["broken", "healthy", "plain"]);
  }, 60_000);

  it("a healthy runbook gets a verified time; broken directives and a probe in error are listed by name with the reason", async () => {
    const before = Date.now();
    const checks = await verifyRunbooks(env.portal);
    expect(checks.find((c) => c.runbook === "healthy")).toEqual({ runbook: "healthy", widgets: 2, broken: [] });
    const fresh = await runbookFreshness(env.portal);
    const healthy = fresh.get("healthy")!;
    expect(healthy.verified).toBe(true);
    expect(Date.parse(healthy.verifiedAt!)).toBeGreaterThanOrEqual(before);
    expect(healthy.broken).toEqual([]);

    const broken = fresh.get("broken")!;
    expect(broken.verified).toBe(false);
    expect(broken.verifiedAt).toBeNull();
    expect(broken.widgets).toBe(4);
    expect(broken.broken.map((b) => [b.name, b.kind])).toEqual([
      ["fz.down", "status"],
      ["fz.gone", "status"],
      ["fz.vanished", "action"],
    ]);
    expect(broken.broken[0].reason).toMatch(/latest reading failed: .*source is down/);
    expect(broken.broken[1].reason).toMatch(/Unknown probe "fz.gone"/);
    expect(broken.broken[2].reason).toMatch(/Unknown action "fz.vanished"/);

    // No widgets: nothing to break and nothing to verify, so never "Verified" (#33).
    expect(fresh.get("plain")).toMatchObject({ verified: false, widgets: 0, broken: [] });
    expect(fresh.get("plain")!.checkedAt).not.toBeNull();
  });

  it("a later pass that finds a failure keeps the last verified time and lists the new broken widget", async () => {
    const first = (await runbookFreshness(env.portal)).get("healthy")!.verifiedAt;
    fx.state.mode.backlog = "fail";
    // The cached reading is fresh for its interval: the pass reads what the scheduler would.
    const engine = (await import("~/core/probes/service.server")).probeEngine(env.portal);
    await engine.refresh("fz.backlog");
    await verifyRunbooks(env.portal);
    const healthy = (await runbookFreshness(env.portal)).get("healthy")!;
    expect(healthy.verifiedAt).toBe(first);
    expect(healthy.broken.map((b) => b.name)).toEqual(["fz.backlog", "fz.backlog"]);
    fx.state.mode.backlog = "ok";
    await engine.refresh("fz.backlog");
    await verifyRunbooks(env.portal);
    expect((await runbookFreshness(env.portal)).get("healthy")!.broken).toEqual([]);
  });

  it("last used: the latest incident linking the runbook or ticking its steps", async () => {
    const day = 86_400_000;
    const old = await declareIncident(env.portal.store, responder, { title: "Queue stuck last week", severity: "P2", runbook: "healthy" }, { now: Date.now() - 7 * day });
    const recent = await declareIncident(env.portal.store, responder, { title: "Payments slow", severity: "P3" }, { now: Date.now() - 3 * day });
    await addEvent(env.portal.store, responder, recent.id, { type: "checklist", text: "Checked the backlog", runbook: "healthy" }, { now: Date.now() - 2 * day });
    await declareIncident(env.portal.store, responder, { title: "Broken queue incident", severity: "P1", runbooks: ["broken"] }, { now: Date.now() - 5 * day });

    const fresh = await runbookFreshness(env.portal);
    expect(fresh.get("healthy")!.lastUsed).toMatchObject({ incidentId: recent.id, title: "Payments slow" });
    expect(Date.parse(fresh.get("healthy")!.lastUsed!.at)).toBeLessThan(Date.now() - 2 * day + 60_000);
    expect(fresh.get("broken")!.lastUsed).toMatchObject({ title: "Broken queue incident" });
    expect(fresh.get("plain")!.lastUsed).toBeNull();
    expect(old.id).not.toBe(recent.id);
  });

  it("the index sorts by each freshness column; an unknown sort is ignored", async () => {
    const order = async (sort: string) => {
      const res = await call(indexLoader, `/runbooks?sort=${sort}`, {}, cookie);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { sort: string; results: { path: string; freshness: { broken: unknown[] } | null }[] };
      return { sort: body.sort, paths: body.results.map((r) => r.path), results: body.results };
    };
    const broken = await order("broken");
    expect(broken.sort).toBe("broken");
    expect(broken.paths[0]).toBe("broken");
    expect(broken.results[0].freshness!.broken).toHaveLength(3);

    expect((await order("verified")).paths[0]).toBe("broken"); // never verified: first
    expect((await order("used")).paths).toEqual(["healthy", "broken", "plain"]);
    const edited = await order("edited");
    expect(edited.paths).toHaveLength(3);

    const unknown = await order("nonsense%3Cscript%3E");
    expect(unknown.sort).toBe("");
    expect(unknown.paths).toEqual(["broken", "healthy", "plain"]); // the default: by title
  });

  it("the runbook page carries its freshness", async () => {
    const res = await call(pageLoader, "/runbooks/broken", { "*": "broken" }, cookie);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { freshness: { broken: { name: string }[]; editedFrom: string; lastUsed: { title: string } | null } };
    expect(body.freshness.broken.map((b) => b.name)).toEqual(["fz.down", "fz.gone", "fz.vanished"]);
    expect(body.freshness.lastUsed?.title).toBe("Broken queue incident");
    expect(body.freshness.editedFrom).toBe("mtime"); // a temp folder outside any git repository
  });

  it("the overview lists probes in trouble that no runbook shows", async () => {
    fx.state.value.backlog = 9;
    const engine = (await import("~/core/probes/service.server")).probeEngine(env.portal);
    await Promise.all([engine.refresh("fz.backlog"), engine.refresh("fz.orphan")]);
    const res = await call(overviewLoader, "/", {}, cookie);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { systems: { rows: { id: string; runbooks: { path: string }[] }[] }[]; unshown: string[] };
    expect(body.systems.flatMap((s) => s.rows).map((p) => [p.id, p.runbooks.map((r) => r.path).sort()])).toEqual([
      ["fz.backlog", ["broken", "healthy"]],
      ["fz.orphan", []],
    ]);
    expect(body.unshown).toEqual(["fz.orphan"]);
    fx.state.value.backlog = 0;
    await engine.refresh("fz.backlog");
  });
});
