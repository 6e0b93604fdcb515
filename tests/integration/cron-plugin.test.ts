import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import cronPlugin from "../../plugins/cron";
import firestorePlugin from "../../plugins/firestore";
import { createFirestoreClient, Timestamp } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import { submitAction } from "~/core/actions/pipeline.server";
import { getRun } from "~/core/actions/runs.server";
import type { User } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { probeEngine } from "~/core/probes/service.server";
import { action as apiCronAction, loader as apiCronLoader } from "~/routes/api.cron.$";
import { action as pingAction } from "~/routes/ping.$";
import { DIALECTS, makeRequest, testPortal, settleRun } from "../helpers/portal";
import { shopCatalog } from "../helpers/shop";
import { answerOf } from "../helpers/answer";

const PING_TOKEN = "ping-token-0123456789abcdef";
const CRON_SECRET = "cron-secret-fedcba9876543210";
const responder: User = { id: "u_responder", username: "responder", displayName: null, roles: ["responder"], via: "session" };

/** A protected cron endpoint like the seeds': 401 without the bearer secret; records what it saw. */
async function protectedEndpoint() {
  const seen: { method: string; url: string; authorization: string | undefined }[] = [];
  let delayMs = 0;
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${CRON_SECRET}`) return void res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sent: 4, echo: req.headers.authorization })), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    setDelay: (ms: number) => (delayMs = ms),
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

type Args = Parameters<typeof apiCronAction>[0];
async function ping(method: "GET" | "POST", path: string, opts: { token?: string | null; body?: string; origin?: string } = {}) {
  const url = new URL(path, "http://localhost");
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? PING_TOKEN}`;
  const request = makeRequest(url.toString(), { method, headers, body: method === "POST" ? opts.body : undefined });
  const isPingUrl = url.pathname.startsWith("/ping/");
  const splat = url.pathname.replace(/^\/(api\/cron|ping)\//, "");
  const args = { request, params: { "*": splat }, context: {} } as unknown as Args;
  const res = isPingUrl ? await pingAction(args) : method === "GET" ? await apiCronLoader(args) : await apiCronAction(args);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function runs(portal: Portal, job: string) {
  return portal.store.db
    .selectFrom("cron_runs" as any)
    .selectAll()
    .where("job", "=", job)
    .orderBy("at", "desc")
    .execute() as Promise<Record<string, any>[]>;
}

/** A new read of the probe, not the cached one. */
async function fresh(id: string) {
  await probeEngine().refresh(id);
  return probeEngine().reading(id);
}

const settle = (portal: Portal, runId: string) => settleRun(portal, runId, { timeoutMs: 15_000 });

describe.each(DIALECTS)("cron plugin on %s", (dialect) => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  let endpoint: Awaited<ReturnType<typeof protectedEndpoint>>;

  beforeAll(async () => {
    endpoint = await protectedEndpoint();
    ({ portal, cleanup } = await testPortal({
      dialect,
      env: { CRON_PING_TOKEN: PING_TOKEN, CRON_SECRET },
      plugins: [cronPlugin],
      config: {
        app: { demo: false },
        plugins: {
          cron: {
            pingToken: "${CRON_PING_TOKEN}",
            excerptBytes: 1000,
            jobs: {
              engagement: { schedule: "*/10 * * * *", grace: "5m", endpoint: `${endpoint.url}/api/cron/engagement`, method: "GET", secret: "${CRON_SECRET}" },
              "no-secret": { schedule: "0 2 * * *", endpoint: `${endpoint.url}/api/cron/no-secret` },
              backup: { schedule: "0 3 * * *", timezone: "Europe/Berlin", minRuntime: "30s" },
            },
          },
        },
      },
    }));
  });
  afterAll(async () => {
    await cleanup?.();
    await endpoint?.stop();
  });

  it("a ping with a wrong or missing token is refused (401) and changes nothing", async () => {
    const before = await fresh("cron.engagement");
    expect((await ping("POST", "/api/cron/engagement/start", { token: "wrong-token-000000" })).status).toBe(401);
    expect((await ping("POST", "/api/cron/engagement/success", { token: null })).status).toBe(401);
    expect((await ping("GET", `/ping/not-the-token/engagement/fail`)).status).toBe(401);
    expect(await runs(portal, "engagement")).toHaveLength(0);
    const after = await fresh("cron.engagement");
    expect(after.summary).toBe(before.summary);
    expect(after.summary).toMatch(/^new/);
  });

  it("rid pairs a start with its end and measures the duration; an unknown job is 404", async () => {
    const rid = crypto.randomUUID();
    const other = crypto.randomUUID();
    expect((await ping("POST", `/api/cron/engagement/start?rid=${rid}`)).status).toBe(200);
    expect((await ping("POST", `/api/cron/engagement/start?rid=${other}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const end = await ping("POST", `/api/cron/engagement/success?rid=${rid}`, { body: "sent 4 emails" });
    expect(end).toMatchObject({ status: 200, body: { ok: true, paired: true, ping: "success" } });
    expect(end.body.durationMs).toBeGreaterThanOrEqual(250);
    expect(end.body.durationMs).toBeLessThan(5_000);
    const rows = await runs(portal, "engagement");
    const paired = rows.find((r) => r.rid === rid)!;
    expect(paired).toMatchObject({ outcome: "success", exit_status: 0, excerpt: "sent 4 emails" });
    expect(rows.find((r) => r.rid === other)).toMatchObject({ outcome: "running" });
    // The second run ends by exit status through a healthchecks.io-style URL.
    const hc = await ping("POST", `/ping/${PING_TOKEN}/engagement/3?rid=${other}`, { token: null });
    expect(hc.body).toMatchObject({ ping: "fail", exitStatus: 3, paired: true });
    expect((await ping("POST", "/api/cron/nope/start")).status).toBe(404);
  });

  it("without a rid an end closes the newest open run that has none; an end without a start is a run of unknown duration", async () => {
    const withRid = crypto.randomUUID();
    expect((await ping("POST", `/api/cron/backup/start?rid=${withRid}`)).status).toBe(200);
    expect((await ping("POST", "/api/cron/backup/start")).status).toBe(200);
    const end = await ping("POST", "/api/cron/backup/success", { body: "no rid" });
    expect(end.body).toMatchObject({ paired: true, ping: "success" });
    let rows = await runs(portal, "backup");
    expect(rows.find((r) => r.rid === withRid)).toMatchObject({ outcome: "running" });
    expect(rows.find((r) => r.rid === null)).toMatchObject({ outcome: "success", excerpt: "no rid" });
    expect(Number(rows.find((r) => r.rid === null)!.duration_ms)).toBeGreaterThanOrEqual(0);
    // Nothing left open without a rid: this end stands alone, with no duration.
    const lone = await ping("POST", "/api/cron/backup/fail");
    expect(lone.body).toMatchObject({ paired: false, ping: "fail", durationMs: null });
    rows = await runs(portal, "backup");
    expect(rows.filter((r) => r.rid === null)).toHaveLength(2);
    expect(rows.find((r) => r.outcome === "fail")).toMatchObject({ started_at: null, duration_ms: null, source: "ping" });
    // The start with a rid is still open and closes by its rid.
    expect((await ping("POST", `/api/cron/backup/0?rid=${withRid}`)).body).toMatchObject({ paired: true, exitStatus: 0 });
  });

  it("an exit status of 256, an unknown kind or a malformed rid is a 400 naming the problem, with nothing stored", async () => {
    const n = (await runs(portal, "engagement")).length;
    const r256 = await ping("POST", "/api/cron/engagement/256");
    expect(r256.status).toBe(400);
    expect(r256.body.error).toContain("exit status 256 is out of range: use 0–255");
    expect((await ping("GET", "/api/cron/engagement/finish")).body.error).toContain("is not a ping");
    const badRid = await ping("POST", "/api/cron/engagement/start?rid=123");
    expect(badRid.status).toBe(400);
    expect(badRid.body.fieldErrors.rid[0]).toContain("UUID");
    expect((await ping("GET", `/ping/${PING_TOKEN}/engagement/-1`, { token: null })).status).toBe(400);
    expect(await runs(portal, "engagement")).toHaveLength(n);
    expect((await ping("GET", "/api/cron/engagement/255")).body).toMatchObject({ ping: "fail", exitStatus: 255 });
  });

  it("keeps the body as a size-capped excerpt with secrets scrubbed", async () => {
    const body = `token was ${PING_TOKEN}\n` + "x".repeat(20_000);
    const res = await ping("POST", "/api/cron/backup/fail", { body });
    expect(res.status).toBe(200);
    const [row] = await runs(portal, "backup");
    expect(Buffer.byteLength(row!.excerpt)).toBeLessThanOrEqual(1000 + 20);
    expect(row!.excerpt).toContain("token was [redacted]");
    expect(row!.excerpt).not.toContain(PING_TOKEN);
    expect(row!.excerpt).toContain("(truncated)");
  });

  it("cron.<job> and cron.jobs probes read the stored runs; GET /api/cron/<job> needs a signed-in user", async () => {
    const job = await fresh("cron.backup");
    expect(job.status).toBe("critical");
    expect(job.summary).toContain("failing");
    expect(job.rows?.[0]).toMatchObject({ outcome: "fail", source: "ping" });
    const all = await fresh("cron.jobs");
    expect(all.rows?.map((r) => r.job)).toEqual(["engagement", "no-secret", "backup"]);
    // The job's zone once, beside its schedule; its instants as ISO times that pages show in the reader's zone.
    const backup = all.rows?.find((r) => r.job === "backup");
    expect(backup).toMatchObject({ schedule: "At 03:00 (0 3 * * *, Europe/Berlin)" });
    expect(backup?.["next run"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    expect(backup).not.toHaveProperty("next run (UTC)");
    await expect(ping("GET", "/api/cron/backup", { token: null })).rejects.toMatchObject({ status: 401 });
  });

  it("run-now without a secret: a clear 400 and no request sent", async () => {
    const before = endpoint.seen.length;
    const res = await answerOf(submitAction(portal, responder, "cron.run-now", { input: { job: "no-secret" }, idempotencyKey: `ns-${dialect}` }));
    expect(res.status).toBe(400);
    expect((res.body as { error: string }).error).toContain('job "no-secret" has no secret configured');
    expect(endpoint.seen.length).toBe(before);
  });

  it("run-now sends the bearer secret; the audit entry holds the status code and duration, never the secret", async () => {
    endpoint.setDelay(120);
    const res = await answerOf(submitAction(portal, responder, "cron.run-now", { input: { job: "engagement" }, idempotencyKey: `rn-${dialect}` }));
    expect(res.status).toBe(202);
    const run = await settle(portal, (res.body as { runId: string }).runId);
    expect(run.status).toBe("succeeded");
    const seen = endpoint.seen.at(-1)!;
    expect(seen).toMatchObject({ method: "GET", url: "/api/cron/engagement", authorization: `Bearer ${CRON_SECRET}` });
    const entries = await portal.store.db.selectFrom("audit_entries").selectAll().where("run_id", "=", run.runId).orderBy("seq").execute();
    const closing = entries.at(-1)!;
    expect(closing.outcome).toBe("succeeded");
    expect(JSON.stringify(closing)).toMatch(/answered 200 in \d+ ms/);
    const all = JSON.stringify(await portal.store.db.selectFrom("audit_entries").selectAll().execute());
    expect(all).not.toContain(CRON_SECRET);
    // The endpoint echoed the header: the stored excerpt and the run's result do not hold it.
    const [stored] = await runs(portal, "engagement");
    expect(stored).toMatchObject({ source: "run-now", outcome: "success" });
    expect(stored!.excerpt).toContain("HTTP 200");
    expect(stored!.excerpt).not.toContain(CRON_SECRET);
    expect(JSON.stringify(await getRun(portal, run.runId))).not.toContain(CRON_SECRET);
    endpoint.setDelay(0);
  });

  it("run-now is refused while a run of that job is in progress", async () => {
    const rid = crypto.randomUUID();
    await ping("POST", `/api/cron/engagement/start?rid=${rid}`);
    const before = endpoint.seen.length;
    const res = await answerOf(submitAction(portal, responder, "cron.run-now", { input: { job: "engagement" }, idempotencyKey: `busy-${dialect}` }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("is running");
    expect(endpoint.seen.length).toBe(before);
    await ping("POST", `/api/cron/engagement/0?rid=${rid}`);
  });

  it("pause and resume are audited; a paused job says who paused it, why and until when", async () => {
    const p = await answerOf(submitAction(portal, responder, "cron.pause", { input: { job: "backup", reason: "restore drill tonight", until: "2h" }, idempotencyKey: `pause-${dialect}` }));
    expect((await settle(portal, (p.body as { runId: string }).runId)).status).toBe("succeeded");
    const paused = await fresh("cron.backup");
    expect(paused.status).toBe("ok");
    expect(paused.summary).toMatch(/^paused: paused by responder: restore drill tonight \(until \d{4}-\d\d-\d\d \d\d:\d\d CES?T\)/);
    const r = await answerOf(submitAction(portal, responder, "cron.resume", { input: { job: "backup", reason: "drill done" }, idempotencyKey: `resume-${dialect}` }));
    expect((await settle(portal, (r.body as { runId: string }).runId)).status).toBe("succeeded");
    expect((await fresh("cron.backup")).status).toBe("critical");
    const again = await answerOf(submitAction(portal, responder, "cron.resume", { input: { job: "backup", reason: "twice" }, idempotencyKey: `resume2-${dialect}` }));
    expect(again.status).toBe(400);
    const audit = await portal.store.db.selectFrom("audit_entries").select(["action", "target", "actor", "outcome"]).where("action", "in", ["cron.pause", "cron.resume"]).orderBy("seq").execute();
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: "cron.pause", target: "backup", actor: "responder", outcome: "succeeded" }), expect.objectContaining({ action: "cron.resume", target: "backup", outcome: "succeeded" })]));
  });
});

describe("cron jobs reporting through a Firestore health document", () => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  let sandbox: FirestoreSandbox;

  beforeAll(async () => {
    sandbox = await startFirestoreSandbox({ catalog: shopCatalog });
    ({ portal, cleanup } = await testPortal({
      plugins: [firestorePlugin, cronPlugin],
      config: {
        app: { demo: false },
        plugins: {
          firestore: wildlifeExchangeConfig(sandbox),
          cron: { jobs: { autorelease: { schedule: "*/10 * * * *", grace: "10m", healthDocument: { path: "opsHealth/autoReleaseProtected", every: "1s" } } } },
        },
      },
    }));
  });
  afterAll(async () => {
    await cleanup?.();
    await sandbox?.stop();
  });

  it("each new lastRunAt is one run; errorsCount > 0 or lastError makes it a failed run", async () => {
    const until = async (pred: (rows: Record<string, any>[]) => boolean) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const rows = await runs(portal, "autorelease");
        if (pred(rows)) return rows;
        if (Date.now() > deadline) throw new Error(`runs: ${JSON.stringify(rows)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // The seeded document: last run 6 h 20 min ago, no errors → one successful run, and the job is down.
    const seeded = await until((rows) => rows.length === 1);
    expect(seeded[0]).toMatchObject({ source: "health-document", outcome: "success" });
    expect((await fresh("cron.autorelease")).summary).toMatch(/^down/);

    const client = createFirestoreClient({ projectId: sandbox.projectId, emulatorHost: sandbox.host });
    try {
      await client.db.doc("opsHealth/autoReleaseProtected").set({ lastRunAt: Timestamp.now(), durationMs: 2400, scannedCount: 14, releasedCount: 0, errorsCount: 2, lastError: "transfer failed: account restricted" }, { merge: true });
    } finally {
      await client.close();
    }
    const rows = await until((r) => r.length === 2);
    expect(rows[0]).toMatchObject({ source: "health-document", outcome: "fail", duration_ms: 2400 });
    expect(rows[0]!.excerpt).toContain("lastError: transfer failed: account restricted");
    const reading = await fresh("cron.autorelease");
    expect(reading.status).toBe("critical");
    expect(reading.summary).toContain("the health document reports errors");
    // Read again without a change: no new run.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await runs(portal, "autorelease")).toHaveLength(2);
  });
});

describe("cron pings through the real server (built: npx remix build)", () => {
  it("jobs without browser headers pass the cross-origin check; a browser's cross-site POST is refused or needs the token", async () => {
    const { createOrUpdateUser } = await import("~/core/auth.server");
    const { migrate, openStore } = await import("~/core/db/store.server");
    const { freshDatabaseUrl } = await import("../helpers/portal");
    const { signIn, startServer } = await import("../helpers/server");
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const db = await freshDatabaseUrl("sqlite");
    const store = await openStore(db.url);
    await migrate(store, [cronPlugin]);
    await createOrUpdateUser(store, { username: "viewer", password: "test-password", roles: ["viewer"] });
    await store.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-cron-srv-"));
    const server = await startServer({
      dir,
      config: { app: { demo: false }, plugins: { cron: { pingToken: PING_TOKEN, jobs: { nightly: { schedule: "0 2 * * *" } } } } },
      env: { DATABASE_URL: db.url, SESSION_SECRET: "cron-server-test-session-secret-0123" },
    });
    try {
      const post = (p: string, headers: Record<string, string> = {}, body?: string) => fetch(`${server.baseUrl}${p}`, { method: "POST", headers, body });
      expect((await post("/api/cron/nightly/start", { authorization: `Bearer ${PING_TOKEN}` })).status).toBe(200);
      expect((await post(`/ping/${PING_TOKEN}/nightly`, {}, "done")).status).toBe(200);
      // A page on another site posting to the ping URL: refused before it reaches the job.
      const cross = await post(`/ping/${PING_TOKEN}/nightly/fail`, { origin: "https://evil.example", "content-type": "text/plain" }, "x");
      expect(cross.status).toBe(403);
      // Cross-site with a bearer header (needs a CORS preflight the portal never grants): the token still decides.
      expect((await post("/api/cron/nightly/fail", { origin: "https://evil.example", authorization: "Bearer guessed-token-1234" })).status).toBe(401);
      expect((await fetch(`${server.baseUrl}/api/cron/nightly/256`, { headers: { authorization: `Bearer ${PING_TOKEN}` } })).status).toBe(400);
      // The edge answers pings before Remix: the same contract (pairing by rid, capped scrubbed body, 404/400/401).
      const rid = crypto.randomUUID();
      expect((await post(`/ping/${PING_TOKEN}/nightly/start?rid=${rid}`)).status).toBe(200);
      const ended = await post(`/api/cron/nightly/success?rid=${rid}`, { authorization: `Bearer ${PING_TOKEN}` }, `token ${PING_TOKEN}\n${"y".repeat(50_000)}`);
      expect(ended.status).toBe(200);
      expect(ended.headers.get("cache-control")).toBe("no-store");
      expect(await ended.json()).toMatchObject({ ok: true, paired: true, ping: "success" });
      expect((await post("/api/cron/unknown-job/start", { authorization: `Bearer ${PING_TOKEN}` })).status).toBe(404);
      expect((await post("/api/cron/nightly/start?rid=nope", { authorization: `Bearer ${PING_TOKEN}` })).status).toBe(400);
      const noToken = await post("/api/cron/nightly/start");
      expect(noToken.status).toBe(401);
      expect(noToken.headers.get("www-authenticate")).toContain("Bearer");
      expect((await fetch(`${server.baseUrl}/api/cron/nightly/start/extra`, { method: "POST", headers: { authorization: `Bearer ${PING_TOKEN}` } })).status).toBe(404);
      const cookie = await signIn(server.baseUrl, "viewer");
      const view = (await (await fetch(`${server.baseUrl}/api/cron/nightly`, { headers: { cookie } })).json()) as { runs: { outcome: string; durationMs: number | null; excerpt: string | null }[]; human: string };
      expect(view.runs).toHaveLength(2);
      expect(view.runs.every((r) => r.outcome === "success")).toBe(true);
      const excerpt = view.runs.find((r) => r.excerpt?.startsWith("token"))?.excerpt ?? "";
      expect(excerpt).toContain("token [redacted]");
      expect(view.human).toBe("At 02:00");
      expect(JSON.stringify(view)).not.toContain(PING_TOKEN);
    } finally {
      await server.stop();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
