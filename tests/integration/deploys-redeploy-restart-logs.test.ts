import { afterAll, beforeAll, describe, expect, it } from "vitest";
import deploys from "../../plugins/deploys";
import { deploysRef } from "../../plugins/deploys/api";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox } from "../../plugins/deploys/sandbox";
import { previewAction, submitAction } from "~/core/actions/pipeline.server";
import type { User } from "~/core/auth.server";
import { testPortal, settleRun } from "../helpers/portal";

// deploys.redeploy, deploys.restart and deploys.logs through the portal's guard pipeline, against
// the sandbox answering as Vercel, Render, Railway and Netlify (each provider's own paths and shapes).
const user = (username: string, roles: ("admin" | "responder" | "viewer")[]): User => ({ id: `u_${username}`, username, displayName: null, roles, via: "session" });
const admin = user("admin", ["admin"]);
const responder = user("responder", ["responder"]);
const viewer = user("viewer", ["viewer"]);

type Answer = { status: number; body: Record<string, any> };
/** The pipeline's answer as status and body: the data it returns (200), or the member of the error family it throws. */
async function answer(p: Promise<unknown>): Promise<Answer> {
  try {
    const r = (await p) as Record<string, any>;
    return typeof r?.status === "number" && r.body && typeof r.body === "object" ? (r as Answer) : { status: 200, body: r };
  } catch (err) {
    const e = err as { status?: number; message?: string; fieldErrors?: Record<string, string[]> };
    if (typeof e?.status !== "number") throw err;
    return { status: e.status, body: { error: e.message, fieldErrors: e.fieldErrors ?? {} } };
  }
}

describe("deploys.redeploy / restart / logs against the provider sandbox", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  let sandbox: DeploysSandbox;
  let key = 0;
  const press = (actionId: string, input: Record<string, unknown>, by: User = admin) =>
    answer(submitAction(t.portal, by, actionId, { input, confirm: `deploys:${input.site}`, idempotencyKey: `deploys-test-${++key}` }));
  const preview = async (actionId: string, input: Record<string, unknown>) => {
    const a = await answer(previewAction(t.portal, admin, actionId, { input }));
    expect(a.status, JSON.stringify(a.body)).toBeLessThan(300);
    return a.body as { preview: { summary: string; before?: unknown }; risk: string };
  };
  /** Presses and waits for the run's end. */
  const runOf = async (actionId: string, input: Record<string, unknown>, by: User = admin) => {
    const a = await press(actionId, input, by);
    expect(a.status, JSON.stringify(a.body)).toBeLessThan(300);
    return settleRun(t.portal, String(a.body.runId), { timeoutMs: 20_000 });
  };

  beforeAll(async () => {
    const now = Date.now();
    sandbox = await startDeploysSandbox({
      settleMs: 300,
      sites: [
        { name: "web", provider: "vercel", key: "prj_web", deployments: shopDeployments("vercel", now), currentId: "dpl_shop4xxxx" },
        { name: "api", provider: "render", key: "srv-api", deployments: shopDeployments("render", now).map((d) => ({ ...d, faulty: false })), currentId: "dep-shop4" },
        { name: "worker", provider: "railway", key: "svc-worker", deployments: shopDeployments("railway", now), currentId: "a1b2c3d4-0004-shop", crashed: true },
        { name: "landing", provider: "netlify", key: "site-landing", deployments: shopDeployments("netlify", now), currentId: "6566shop4" },
      ],
    });
    const common = { token: sandbox.token, apiBase: sandbox.url };
    t = await testPortal({
      config: {
        plugins: {
          deploys: {
            followFor: "30s",
            sites: {
              web: { provider: "vercel", projectId: "prj_web", ...common },
              api: { provider: "render", serviceId: "srv-api", ...common },
              worker: { provider: "railway", projectId: "p", serviceId: "svc-worker", environmentId: "env", ...common },
              landing: { provider: "netlify", siteId: "site-landing", ...common },
            },
          },
        },
      },
      plugins: [deploys],
    });
  });
  afterAll(async () => {
    await t?.cleanup();
    await sandbox?.stop();
  });

  it("redeploy is high risk (admins, typed confirmation): refused to a responder, 400 for a bad site or a failed build", async () => {
    expect(await press("deploys.redeploy", { site: "web" }, responder)).toMatchObject({ status: 403 });
    expect(await press("deploys.redeploy", { site: "nope" })).toMatchObject({ status: 400, body: { fieldErrors: { site: [expect.stringMatching(/not a configured site \(known: web, api, worker, landing\)/)] } } });
    expect(await press("deploys.redeploy", { site: "web", deploymentId: "dpl_shop3xxxx" })).toMatchObject({ status: 400, body: { fieldErrors: { deploymentId: [expect.stringMatching(/build ERROR/)] } } });
    expect(await press("deploys.redeploy", { site: "web", deploymentId: "dpl_nothing" })).toMatchObject({ status: 400 });
    expect(await answer(submitAction(t.portal, admin, "deploys.redeploy", { input: { site: "web" }, idempotencyKey: "deploys-no-confirm" }))).toMatchObject({ status: 400, body: { fieldErrors: { confirm: [expect.stringMatching(/deploys:web/)] } } });
    expect(await preview("deploys.redeploy", { site: "web" })).toMatchObject({ risk: "high", confirm: true, approval: false, target: "deploys:web" });
  });

  it("the preview says what will be redeployed and who/when of the current deployment", async () => {
    const web = await preview("deploys.redeploy", { site: "web" });
    expect(web.preview!.summary).toMatch(/^Redeploy web \(Vercel\): a new production deployment built from dpl_shop4xxxx \(commit [0-9a-f]{7} "Refactor Stripe webhook handler", created \d{4}-\d\d-\d\d \d\d:\d\d UTC, READY\)\. Production now: dpl_shop4xxxx .* by li\.$/);
    expect(web.preview!.before).toMatchObject({ deployment: "dpl_shop4xxxx", author: "li" });
    const previous = await preview("deploys.redeploy", { site: "web", deploymentId: "previous" });
    expect(previous.preview!.summary).toMatch(/built from dpl_shop2xxxx \(commit [0-9a-f]{7} "Fix VAT rounding on invoices"/);
    const api = await preview("deploys.redeploy", { site: "api" });
    expect(api.preview!.summary).toMatch(/^Redeploy api \(Render\): a new production deployment built from the latest commit of the production branch\. Production now: dep-shop4 /);
  });

  it("Vercel: a redeploy makes a new production deployment from the previous one and follows it until it serves", async () => {
    const svc = t.portal.registry.services.get(deploysRef)!;
    const before = sandbox.sites.get("web")!.deployments.length;
    const run = await runOf("deploys.redeploy", { site: "web", deploymentId: "previous" });
    expect(run.status, run.error ?? "").toBe("succeeded");
    const made = sandbox.sites.get("web")!.deployments[0]!;
    expect(sandbox.sites.get("web")!.deployments.length).toBe(before + 1);
    expect(made.origin).toBe("redeploy of dpl_shop2xxxx");
    expect((await svc.current("web"))!.id).toBe(made.id);
    expect(JSON.stringify(run.result)).toContain(`web redeployed: Vercel serves ${made.id}, built from dpl_shop2xxxx`);
    expect(run.log).toMatch(/asking for a new production deployment from dpl_shop2xxxx/);
    expect(run.log).toMatch(new RegExp(`deployment ${made.id} \\(rebuilt from dpl_shop2xxxx\\) serves production`));
  });

  it("Render: a redeploy deploys the latest commit; Netlify builds the latest commit; Railway redeploys", async () => {
    for (const site of ["api", "landing", "worker"]) {
      const before = sandbox.sites.get(site)!.deployments.length;
      const run = await runOf("deploys.redeploy", { site });
      expect(run.status, `${site}: ${run.error ?? ""}`).toBe("succeeded");
      expect(sandbox.sites.get(site)!.deployments.length).toBe(before + 1);
      expect(sandbox.current(site)!.id).toBe(sandbox.sites.get(site)!.deployments[0]!.id);
    }
  });

  it("restart: Render records it; Railway brings a crashed service back; Vercel has none (400)", async () => {
    expect(await press("deploys.restart", { site: "web" })).toMatchObject({ status: 400, body: { fieldErrors: { site: [expect.stringMatching(/Vercel sites cannot be restarted, only redeployed/)] } } });
    expect(await press("deploys.restart", { site: "api" }, responder)).toMatchObject({ status: 403 });
    const restart = await preview("deploys.restart", { site: "api" });
    expect(restart.preview!.summary).toMatch(/^Restart api \(Render\): the running deployment dep-re\S+ .* stops and starts again on the same build; no new deployment\.$/);
    const api = await runOf("deploys.restart", { site: "api" });
    expect(api.status, api.error ?? "").toBe("succeeded");
    expect(sandbox.sites.get("api")!.restarts).toHaveLength(1);

    sandbox.crash("worker");
    const svc = t.portal.registry.services.get(deploysRef)!;
    expect((await svc.current("worker"))!.providerState).toBe("CRASHED");
    const worker = await runOf("deploys.restart", { site: "worker" });
    expect(worker.status, worker.error ?? "").toBe("succeeded");
    expect(sandbox.sites.get("worker")!.crashed).toBe(false);
    expect((await svc.current("worker"))!.providerState).toBe("SUCCESS");
    expect(worker.log).toMatch(/restarted and is SUCCESS/);
  });

  it("logs: build and runtime lines, newest last, secrets scrubbed; low risk (responders), never viewers; Netlify offers none", async () => {
    expect(await press("deploys.logs", { site: "api" }, viewer)).toMatchObject({ status: 403 });
    for (const [site, provider] of [["api", "Render"], ["web", "Vercel"], ["worker", "Railway"]] as const) {
      const run = await runOf("deploys.logs", { site, lines: 100 }, responder);
      expect(run.status, `${site}: ${run.error ?? ""}`).toBe("succeeded");
      const result = run.result as { summary: string; rows: { stream: string; line: string; level: string }[]; data: { kind: string } };
      expect(result.data.kind).toBe("deploy-logs");
      expect(result.summary).toMatch(new RegExp(`log line\\(s\\) of ${site} \\(${provider}, `));
      expect(result.rows.some((r) => r.stream === "build" && /Build completed|Running "npm run build"/.test(r.line))).toBe(true);
      expect(result.rows.some((r) => r.stream === "runtime" && /Listening on port 10000/.test(r.line))).toBe(true);
      const all = JSON.stringify(result);
      expect(all).toContain("postgres://shop_app:[redacted]@db.shop.internal");
      expect(all).not.toContain("pg-Sandbox-Pass-42");
      expect(all).not.toContain(sandbox.token);
    }
    const build = await runOf("deploys.logs", { site: "web", stream: "build", deploymentId: "dpl_shop3xxxx" }, responder);
    expect(JSON.stringify(build.result)).toMatch(/exited with 1/);
    expect(await press("deploys.logs", { site: "landing" }, responder)).toMatchObject({ status: 400, body: { fieldErrors: { stream: [expect.stringMatching(/Netlify returns no logs through its API/)] } } });
    expect(await press("deploys.logs", { site: "api", lines: 5000 }, responder)).toMatchObject({ status: 400 });
  });
});
