import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox } from "../../plugins/deploys/sandbox";
import { SHOP_ISSUES, shopEvents, shopTraffic, startSentrySandbox, type SentrySandbox } from "../../plugins/sentry/sandbox";
import { signIn, startServer, type RunningServer } from "../helpers/server";

// A team's first day outside demo mode: the built portal as its own process with `app.demo: false`,
// deploy sites on Vercel, Render and Railway and a Sentry project (the sandboxes, each with its own
// token given as an ${ENV} secret), two SLOs over Sentry's transactions, users made with
// `npm run user` after the first start, and a runbook written the way teams write them (vercel --prod,
// render services restart <svc>, Click **Redeploy**, railway restart/logs, ::slo widgets). Everything
// goes through HTTP as a browser would: what the page offers, who may press it, a redeploy pressed
// twice, restart, logs, bad input, a provider that hangs, and no token anywhere it must not be.

const ROOT = path.resolve(__dirname, "../..");
const TOKENS = {
  VERCEL_TOKEN: "vcl_firstDay_7Hq2LmN9pXw4",
  RENDER_API_KEY: "rnd_firstDay_Zk3Vb8Rt5Yq1",
  RAILWAY_TOKEN: "rwy_firstDay_Jd6Fp0Ws2Ce9",
  SENTRY_AUTH_TOKEN: "sntrys_firstDay_Mx4Gh7Tn1Ub5",
};
/** A database password the sandbox's services print in their runtime log (the logs read scrubs it). */
const LOG_PASSWORD = "pg-Sandbox-Pass-42";
const SESSION_SECRET = "first-day-session-secret-0123456789";
const PASSWORD = (user: string) => `First-day-${user}-pass`;

const RUNBOOK = `---
title: Deploying and rolling back
---

# Deploying and rolling back

::slo{id="checkout-success"}

::slo{id="api-latency"}

## Deploy New Version

**Frontend (Vercel)**:
\`\`\`bash
git pull origin main
vercel --prod
\`\`\`

**Backend (Render)**:
\`\`\`bash
# Manual deploy via Render dashboard:
# 1. Click "Manual Deploy" → "Deploy latest commit"
\`\`\`

## Backend stuck

If the API is unresponsive, restart it: \`render services restart api\`

Then check Render logs for startup errors.

The worker on Railway crashes sometimes:

\`\`\`bash
railway restart
railway logs
\`\`\`

## Rollback Deployment

**Backend (Render)**:
1. Go to the Events tab and find the last working deploy
2. Click **Redeploy**

Save environment and let Render redeploy.
`;

/** A pass-through proxy whose answers can be held back, as a provider that hangs. */
async function slowProxy(target: string): Promise<{ url: string; delayMs: number; stop(): Promise<void> }> {
  const t = new URL(target);
  const state = { delayMs: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () =>
      setTimeout(() => {
        const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on("error", () => res.destroy());
        up.end(Buffer.concat(chunks));
      }, state.delayMs),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  });
}

describe("first day outside demo mode: deploys' redeploy, restart and logs, and SLOs over Sentry", () => {
  let dir: string;
  let srv: RunningServer;
  let vercel: DeploysSandbox, render: DeploysSandbox, railway: DeploysSandbox;
  let sentry: SentrySandbox;
  let renderProxy: Awaited<ReturnType<typeof slowProxy>>, sentryProxy: Awaited<ReturnType<typeof slowProxy>>;
  const cookies: Record<string, string> = {};
  /** Every body the portal answered, to look for tokens in. */
  const answered: string[] = [];

  const call = async (user: string, method: string, p: string, body?: unknown) => {
    const res = await fetch(`${srv.baseUrl}${p}`, {
      method,
      headers: { cookie: cookies[user]!, origin: srv.baseUrl, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    answered.push(text);
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* a page */
    }
    return { status: res.status, json, text };
  };
  let keys = 0;
  const press = (user: string, actionId: string, input: Record<string, unknown>, key = `first-day-${++keys}-${Date.now()}`) =>
    call(user, "POST", `/api/actions/${actionId}`, { input, confirm: `deploys:${input.site}`, idempotencyKey: key });
  const settled = async (user: string, runId: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await call(user, "GET", `/api/runs/${runId}`);
      if (!["pending", "started"].includes(r.json?.status)) return r.json;
      if (Date.now() > deadline) throw new Error(`run ${runId} still ${r.json?.status}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  };

  beforeAll(async () => {
    const now = Date.now();
    vercel = await startDeploysSandbox({ token: TOKENS.VERCEL_TOKEN, settleMs: 500, sites: [{ name: "web", provider: "vercel", key: "prj_web01", deployments: shopDeployments("vercel", now), currentId: "dpl_shop4xxxx" }] });
    render = await startDeploysSandbox({ token: TOKENS.RENDER_API_KEY, settleMs: 500, sites: [{ name: "api", provider: "render", key: "srv-api01", deployments: shopDeployments("render", now).map((d) => ({ ...d, faulty: false })), currentId: "dep-shop4" }] });
    railway = await startDeploysSandbox({ token: TOKENS.RAILWAY_TOKEN, settleMs: 500, sites: [{ name: "worker", provider: "railway", key: "svc-worker01", deployments: shopDeployments("railway", now), currentId: "a1b2c3d4-0004-shop", crashed: true }] });
    sentry = await startSentrySandbox({ token: TOKENS.SENTRY_AUTH_TOKEN, org: "acme", project: "shop-web", issues: SHOP_ISSUES, events: shopEvents(() => false), traffic: { from: now - 86_400_000, minute: shopTraffic(() => false) } });
    renderProxy = await slowProxy(render.url);
    sentryProxy = await slowProxy(sentry.url);

    dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-first-day-"));
    fs.mkdirSync(path.join(dir, "runbooks"));
    fs.writeFileSync(path.join(dir, "runbooks", "deploy.md"), RUNBOOK);
    const config = `app:
  demo: false
plugins:
  deploys:
    followFor: 30s
    sites:
      web: { provider: vercel, projectId: prj_web01, teamId: team_acme, token: "\${VERCEL_TOKEN}", apiBase: "${vercel.url}" }
      api: { provider: render, serviceId: srv-api01, token: "\${RENDER_API_KEY}", apiBase: "${renderProxy.url}" }
      worker: { provider: railway, projectId: p-acme, serviceId: svc-worker01, environmentId: env-prod, token: "\${RAILWAY_TOKEN}", apiBase: "${railway.url}" }
  sentry: { org: acme, project: shop-web, token: "\${SENTRY_AUTH_TOKEN}", url: "${sentryProxy.url}", deploySite: web }
slos:
  checkout-success:
    title: Checkout succeeds
    objective: 99
    runbook: deploy
    sli: { sentry: { project: shop-web, transaction: /api/checkout, metric: failure_rate } }
  api-latency:
    title: Core API p95 under 500 ms
    objective: 95
    sli: { sentry: { project: shop-web, transaction: "/api/*", metric: p95, threshold: 500 } }
`;
    fs.writeFileSync(path.join(dir, "app-config.yaml"), config);
    const env = { ...TOKENS, SESSION_SECRET };
    srv = await startServer({ dir, runbooksDir: path.join(dir, "runbooks"), env: { ...env, LOG_LEVEL: "info" } });

    // Users after the first start, as the README says: `npm run user -- add NAME --role ROLE`, password on stdin.
    const users = [["alice", "admin"], ["bob", "admin"], ["rita", "responder"], ["victor", "viewer"]] as const;
    for (const [user, role] of users) {
      const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/user.ts", "add", user, "--role", role], {
        cwd: ROOT,
        input: `${PASSWORD(user)}\n`,
        env: { ...process.env, ...env, OPSDECK_CONFIG: path.join(dir, "app-config.yaml"), OPSDECK_DATA_DIR: path.join(dir, "data") },
        encoding: "utf8",
      });
      expect(r.status, r.stderr + r.stdout).toBe(0);
    }
    for (const [user] of users) cookies[user] = await signIn(srv.baseUrl, user, PASSWORD(user));
  }, 240_000);

  afterAll(async () => {
    await srv?.stop();
    for (const s of [renderProxy, sentryProxy, vercel, render, railway, sentry]) await s?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("starts outside demo mode and offers the runbook's platform commands as the deploys actions, prefilled", async () => {
    expect(await (await fetch(`${srv.baseUrl}/healthz`)).json()).toMatchObject({ demo: false });
    const live = await call("victor", "GET", "/api/runbooks/live/deploy");
    expect(live.status).toBe(200);
    const offered = (live.json.blocks as any[]).filter((b) => b.kind === "platform").map((b) => [b.query, b.action?.id ?? b.runs?.action, b.action?.input ?? b.input]);
    expect(offered).toEqual([
      ["vercel --prod", "deploys.redeploy", { site: "web" }],
      ["Deploy latest commit", "deploys.redeploy", { site: "api" }],
      ["render services restart api", "deploys.restart", { site: "api" }],
      ["Then check Render logs for startup errors.", "deploys.logs", { site: "api" }],
      ["railway restart", "deploys.restart", { site: "worker" }],
      ["railway logs", "deploys.logs", { site: "worker" }],
      ["Redeploy", "deploys.redeploy", { site: "api", deploymentId: "previous" }],
    ]);
    // The page itself renders for everyone, with both SLO widgets.
    const page = await call("victor", "GET", "/runbooks/deploy");
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-id="slo.checkout-success"');
    expect(page.text).toContain('data-id="slo.api-latency"');
  });

  it("lets only admins redeploy; pressing twice (same key, or a second admin at once) redeploys once", async () => {
    expect((await press("victor", "deploys.redeploy", { site: "web" })).status).toBe(403);
    expect((await press("rita", "deploys.redeploy", { site: "web" })).status).toBe(403);
    const keys = { alice: `first-day-alice-${Date.now()}`, bob: `first-day-bob-${Date.now()}` };
    const [a, b] = await Promise.all([press("alice", "deploys.redeploy", { site: "web" }, keys.alice), press("bob", "deploys.redeploy", { site: "web" }, keys.bob)]);
    // One accepted run; the other admin's press is refused while it acts on the same target.
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const [winner, accepted] = a.status === 202 ? (["alice", a] as const) : (["bob", b] as const);
    const runId = accepted.json.runId;
    expect((a.status === 409 ? a : b).json).toMatchObject({ status: "refused", blockingRunId: runId });
    // The same press again (a double click, a retried request): that run, not a new one.
    const again = await press(winner, "deploys.redeploy", { site: "web" }, keys[winner]);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ runId, duplicate: true });
    const run = await settled(winner, runId);
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    expect(run.result.summary).toMatch(/^web redeployed: Vercel serves dpl_re\S+, built from dpl_shop4xxxx/);
    expect(vercel.sites.get("web")!.deployments.filter((d) => d.origin?.startsWith("redeploy")).length).toBe(1);
    // The rebuild serves the same code: "find the last working deployment" → Promote to Production now means
    // the release before that code, not the deployment the rebuild was made from.
    const back = await call("alice", "POST", "/api/actions/deploys.rollback/preview", { input: { site: "web", deploymentId: "previous" } });
    expect(back.status, back.text).toBe(200);
    expect(back.json.preview.summary).toMatch(/ to dpl_shop2xxxx \(commit [0-9a-f]{7} "Fix VAT rounding on invoices"/);
  });

  it("restarts a crashed Railway worker and reads its logs with secrets scrubbed (responders may read)", async () => {
    const restart = await press("alice", "deploys.restart", { site: "worker" });
    expect(restart.status, restart.text).toBe(202);
    expect((await settled("alice", restart.json.runId)).status).toBe("succeeded");
    expect(railway.sites.get("worker")!.crashed).toBe(false);
    expect((await press("victor", "deploys.logs", { site: "worker" })).status).toBe(403);
    const logs = await press("rita", "deploys.logs", { site: "worker", lines: 100 });
    expect(logs.status, logs.text).toBe(202);
    const run = await settled("rita", logs.json.runId);
    expect(run.status).toBe("succeeded");
    const lines = (run.result.rows as { line: string }[]).map((r) => r.line);
    expect(lines).toContain("==> Restart requested through the API; stopping instances");
    expect(lines.join("\n")).toContain("postgres://shop_app:[redacted]@db.shop.internal");
    expect(lines.join("\n")).not.toContain(LOG_PASSWORD);
  });

  it("answers bad input with a clear 4xx before anything runs", async () => {
    const cases: [string, Record<string, unknown>, number, RegExp][] = [
      ["deploys.redeploy", { site: "nope" }, 400, /unknown deploy site "nope"/],
      ["deploys.redeploy", { site: "web", deploymentId: "dpl_shop3xxxx" }, 400, /never built/],
      ["deploys.restart", { site: "web" }, 400, /Vercel has no restart/],
      ["deploys.logs", { site: "worker", lines: 5000 }, 400, /the input is not valid/],
      // A deployment named that does not exist is a field error, not a failed run in the audit log.
      ["deploys.logs", { site: "api", deploymentId: "dep-typo" }, 400, /api has no deployment dep-typo/],
    ];
    for (const [actionId, input, status, error] of cases) {
      const a = await press("alice", actionId, input);
      expect(a.status, `${actionId} ${JSON.stringify(input)}: ${a.text}`).toBe(status);
      expect(a.json.error).toMatch(error);
    }
    const wrongConfirm = await call("alice", "POST", "/api/actions/deploys.redeploy", { input: { site: "api" }, confirm: "deploys:web", idempotencyKey: `first-day-confirm-${Date.now()}` });
    expect(wrongConfirm.status).toBe(400);
    expect(wrongConfirm.json.fieldErrors.confirm).toBeTruthy();
    expect((await call("alice", "GET", "/api/slo/nope")).status).toBe(404);
    const post = await call("alice", "POST", "/api/slo/checkout-success", {});
    expect(post.status).toBe(405);
    expect(post.json.error).toMatch(/method not allowed/);
  });

  it("reads the SLOs from Sentry's transactions; a hanging Sentry or Render is said within seconds, not waited on", async () => {
    const slo = await call("victor", "GET", "/api/slo/checkout-success");
    expect(slo.status, slo.text).toBe(200);
    expect(slo.json).toMatchObject({ title: "Checkout succeeds", objective: 99 });
    expect(slo.json.windowEvents).toBeGreaterThan(20_000); // a day of 24 checkouts a minute
    expect(slo.json.deploysNote).toBeUndefined();
    expect(typeof slo.json.remainingPct).toBe("number");

    // Only Render hangs: the widget's figures come from Sentry at once, its deploy marks wait 4 s at most.
    renderProxy.delayMs = 60_000;
    try {
      const t0 = Date.now();
      const slow = await call("victor", "GET", "/api/slo/checkout-success");
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(slow.status, slow.text).toBe(200);
      expect(slow.json.deploysNote).toBe("the deploy platforms did not all answer within 4 s: deploy marks may be missing");
      // Vercel's answered: the redeploy above is marked.
      expect((slow.json.deploys as { label: string }[]).some((d) => d.label.startsWith("web "))).toBe(true);
    } finally {
      renderProxy.delayMs = 0;
    }

    sentryProxy.delayMs = 60_000;
    renderProxy.delayMs = 60_000;
    try {
      const t0 = Date.now();
      const [hungSlo, hungPreview, pageNow] = await Promise.all([
        call("victor", "GET", "/api/slo/api-latency"),
        call("alice", "POST", "/api/actions/deploys.restart/preview", { input: { site: "api" } }),
        call("victor", "GET", "/runbooks/deploy"),
      ]);
      expect(Date.now() - t0).toBeLessThan(25_000);
      expect(pageNow.status).toBe(200);
      expect(hungSlo.status).toBe(503);
      expect(hungSlo.json.error).toBe("Sentry did not answer within 15 s; the SLO could not be read");
      expect(hungPreview.json.previewError ?? hungPreview.json.error).toMatch(/timed out/);
    } finally {
      sentryProxy.delayMs = 0;
      renderProxy.delayMs = 0;
    }
  }, 90_000);

  it("never shows a token or a logged password: not in any answer, the server's log, or the database and audit log", async () => {
    const secrets = [...Object.values(TOKENS), LOG_PASSWORD];
    for (const p of ["/", "/runbooks/deploy", "/audit", "/admin/setup", "/api/probes", "/api/actions", "/api/slo/api-latency", "/api/runbooks/live/deploy"]) await call("alice", "GET", p);
    const files = fs.readdirSync(path.join(dir, "data")).map((f) => path.join(dir, "data", f));
    for (const s of secrets) {
      expect(answered.filter((t) => t.includes(s)).length, s).toBe(0);
      expect(srv.output().includes(s), `server log: ${s}`).toBe(false);
      for (const f of files) expect(fs.readFileSync(f).includes(s), `${path.basename(f)}: ${s}`).toBe(false);
    }
    // The runs and refusals above are in the audit log (so the database was really looked at).
    const audit = await call("alice", "GET", "/audit");
    expect(audit.text).toContain("deploys.redeploy");
  });
});
