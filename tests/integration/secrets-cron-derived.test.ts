// Issue 25, defects 2 and 3: cron ping excerpts go through the portal's one scrubber (every
// plugin's secrets, SESSION_SECRET, the store's password), and derived forms of secrets (a Basic
// header of a basicAuth pair, a URL's password alone) are scrubbed in readings, stored results and
// job output.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import cronPlugin from "../../plugins/cron";
import deploysPlugin from "../../plugins/deploys";
import prometheusPlugin from "../../plugins/prometheus";
import stripePlugin from "../../plugins/stripe";
import supabasePlugin from "../../plugins/supabase";
import { submitAction } from "~/core/actions/pipeline.server";
import { createOrUpdateUser, signIn, type User } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { probeEngine } from "~/core/probes/service.server";
import { action as apiCronAction, loader as apiCronLoader } from "~/routes/api.cron.$";
import { DIALECTS, makeRequest, settleRun, testPortal } from "../helpers/portal";
import { answerOf } from "../helpers/answer";

const PING_TOKEN = "ping-token-SEEDED-7a1c9e55";
const STRIPE_KEY = "sk_test_SEEDED_stripe_51HxQ2";
const STRIPE_WEBHOOK = "whsec_SEEDED_webhook_9f8e7d";
const DEPLOY_TOKEN = "deploytok_SEEDED_0c4b8a21";
const SESSION_SECRET = "session-secret-SEEDED-33d9a0c1f2";
const PROM_USER = "grafana-reader";
const PROM_PASSWORD = "prom-pass-SEEDED-e61b";
const BASIC = Buffer.from(`${PROM_USER}:${PROM_PASSWORD}`).toString("base64");
const SERVICE_ROLE = "service-role-SEEDED-0123456789abcdef";
const DB_PASSWORD = "dbpass-SEEDED-5c7e";
const DB_URL = `postgres://reporting:${DB_PASSWORD}@127.0.0.1:1/shop`;

const SEEDED = [PING_TOKEN, STRIPE_KEY, STRIPE_WEBHOOK, DEPLOY_TOKEN, SESSION_SECRET, PROM_PASSWORD, BASIC, BASIC.replace(/=+$/, ""), DB_PASSWORD];
const leaks = (text: string) => SEEDED.filter((s) => text.includes(s));

const responder: User = { id: "u_responder", username: "responder", displayName: null, roles: ["responder"], via: "session" };

/** A Prometheus that echoes the Authorization header it got as a label of every series. */
async function echoingPrometheus() {
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.setHeader("content-type", "application/json");
    const metric = { __name__: "up", job: "echo", authorization: req.headers.authorization ?? "none", note: `Authorization: ${req.headers.authorization}` };
    if (req.url?.startsWith("/api/v1/alerts")) return void res.end(JSON.stringify({ status: "success", data: { alerts: [] } }));
    if (req.url?.startsWith("/api/v1/query_range")) return void res.end(JSON.stringify({ status: "success", data: { resultType: "matrix", result: [{ metric, values: [[Date.now() / 1000, "1"]] }] } }));
    res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric, value: [Date.now() / 1000, "1"] }] } }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

type Args = Parameters<typeof apiCronAction>[0];
let viewerCookie = "";
async function cronRoute(method: "GET" | "POST", path: string, opts: { token?: string; body?: string } = {}) {
  const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  const request = makeRequest(`http://localhost${path}`, { method, headers, body: opts.body, cookie: opts.token ? undefined : viewerCookie });
  const args = { request, params: { "*": path.replace(/^\/api\/cron\//, "") }, context: {} } as unknown as Args;
  const res = method === "GET" ? await apiCronLoader(args) : await apiCronAction(args);
  return { status: res.status, text: await res.text() };
}

describe.each(DIALECTS)("the one scrubber on %s", (dialect) => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  let prom: Awaited<ReturnType<typeof echoingPrometheus>>;

  beforeAll(async () => {
    prom = await echoingPrometheus();
    ({ portal, cleanup } = await testPortal({
      dialect,
      env: { SESSION_SECRET, PING_TOKEN, STRIPE_KEY, STRIPE_WEBHOOK, DEPLOY_TOKEN, PROM_PASSWORD, SERVICE_ROLE, DB_URL },
      plugins: [cronPlugin, stripePlugin, deploysPlugin, prometheusPlugin, supabasePlugin],
      config: {
        app: { demo: false },
        plugins: {
          cron: { pingToken: "${PING_TOKEN}", excerptBytes: 2000, jobs: { nightly: { schedule: "0 2 * * *" }, reporting: { schedule: "0 3 * * *" } } },
          stripe: { secretKey: "${STRIPE_KEY}", webhookSecret: "${STRIPE_WEBHOOK}", apiBase: "http://127.0.0.1:1" },
          deploys: { sites: { shop: { provider: "vercel", projectId: "prj_shop", token: "${DEPLOY_TOKEN}", apiBase: "http://127.0.0.1:1" } } },
          prometheus: { url: prom.url, basicAuth: { username: PROM_USER, password: "${PROM_PASSWORD}" }, alerts: false, queries: { echo: { title: "Echo", promql: "up", every: "1m" } } },
          supabase: { url: "http://127.0.0.1:1", serviceRoleKey: "${SERVICE_ROLE}", databaseUrl: "${DB_URL}" },
        },
      },
    }));
    await createOrUpdateUser(portal.store, { username: "viewer", password: "viewer-password-1", roles: ["viewer"] });
    const signed = await signIn(makeRequest("http://localhost/login", { method: "POST" }), { username: "viewer", password: "viewer-password-1" });
    viewerCookie = (signed as { cookie: string }).cookie.split(";")[0]!;
  }, 60_000);
  afterAll(async () => {
    await cleanup?.();
    await prom?.stop();
  });

  it("a job that prints the Stripe key, a webhook secret, SESSION_SECRET and a deploy token: GET /api/cron/<job> and cron_runs show [redacted] (defect 2)", async () => {
    const body = `charging with ${STRIPE_KEY}\nsigning with ${STRIPE_WEBHOOK}\nsession ${SESSION_SECRET}\ndeploying with token=${encodeURIComponent(DEPLOY_TOKEN)}\n{"ping":${JSON.stringify(PING_TOKEN)}}`;
    const ping = await cronRoute("POST", "/api/cron/nightly/fail", { token: PING_TOKEN, body });
    expect(ping.status).toBe(200);
    const rows = (await portal.store.db.selectFrom("cron_runs" as any).selectAll().where("job", "=", "nightly").execute()) as { excerpt: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.excerpt).toBe(`charging with [redacted]\nsigning with [redacted]\nsession [redacted]\ndeploying with token=[redacted]\n{"ping":"[redacted]"}`);
    const view = await cronRoute("GET", "/api/cron/nightly");
    expect(view.status).toBe(200);
    expect(view.text).toContain("charging with [redacted]");
    expect(leaks(view.text)).toEqual([]);
    expect(view.text).not.toContain("***");
  });

  it("a ping body cut at the cap inside another plugin's secret keeps none of its characters", async () => {
    const pad = "x".repeat(2000 - "key ".length - 10);
    const ping = await cronRoute("POST", "/api/cron/nightly/success", { token: PING_TOKEN, body: `${pad}key ${STRIPE_KEY} trailing` });
    expect(ping.status).toBe(200);
    const view = await cronRoute("GET", "/api/cron/nightly");
    const rows = (await portal.store.db.selectFrom("cron_runs" as any).select("excerpt").where("job", "=", "nightly").execute()) as { excerpt: string }[];
    const cut = rows.map((r) => r.excerpt).find((e) => e.startsWith("xxx"))!;
    expect(cut).toMatch(/key \[redacted\]\n… \(truncated\)$/);
    expect(cut).not.toContain(STRIPE_KEY.slice(0, 10));
    expect(leaks(view.text)).toEqual([]);
  });

  it("a Prometheus basicAuth password echoed as Authorization: Basic … is scrubbed in the reading and the stored prometheus.query result (defect 3)", async () => {
    await probeEngine().refresh("prometheus.echo");
    const reading = await probeEngine().reading("prometheus.echo");
    // Not vacuous: the server got the Basic header and echoed it.
    expect(prom.seen).toContain(`Basic ${BASIC}`);
    const text = JSON.stringify(reading);
    expect(text).toContain(`Basic [redacted]`);
    expect(leaks(text)).toEqual([]);

    const res = await answerOf(submitAction(portal, responder, "prometheus.query", { input: { promql: "up" }, idempotencyKey: `pq-${dialect}` }));
    expect(res.status).toBe(202);
    const run = await settleRun(portal, (res.body as { runId: string }).runId);
    expect(run.status).toBe("succeeded");
    const stored = await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", run.runId).executeTakeFirstOrThrow();
    expect(String(stored.result)).toContain("Basic [redacted]");
    expect(leaks(JSON.stringify(stored))).toEqual([]);
    const audit = await portal.store.db.selectFrom("audit_entries").selectAll().where("run_id", "=", run.runId).execute();
    expect(leaks(JSON.stringify(audit))).toEqual([]);
  });

  it("a URL's password printed alone (job output, SQL text) is scrubbed as a bare value (defect 3)", async () => {
    const body = `psql: connecting as reporting with password ${DB_PASSWORD}\nselect * from pg_user where passwd = '${DB_PASSWORD}'`;
    expect((await cronRoute("POST", "/api/cron/reporting/fail", { token: PING_TOKEN, body })).status).toBe(200);
    const rows = (await portal.store.db.selectFrom("cron_runs" as any).select("excerpt").where("job", "=", "reporting").execute()) as { excerpt: string }[];
    expect(rows[0]!.excerpt).toBe("psql: connecting as reporting with password [redacted]\nselect * from pg_user where passwd = '[redacted]'");
    expect(portal.config.secretValues).toContain(DB_PASSWORD);
    expect(leaks((await cronRoute("GET", "/api/cron/reporting")).text)).toEqual([]);
  });
});
