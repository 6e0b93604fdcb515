import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import demoPlugin from "../../plugins/demo";
import { action, definePlugin } from "../../plugins/plugin-api";
import { z } from "zod";
import { cancelRun, decideApproval, reviewBreakGlass, submitAction } from "~/core/actions/pipeline.server";
import { expireApprovals, recoverRuns } from "~/core/actions/recovery.server";
import { getRun, pendingApprovals, reviewQueue } from "~/core/actions/runs.server";
import { checkpointSettings, verifyAudit } from "~/core/audit/checkpoints.server";
import type { User } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import type { Role } from "~/lib/roles";
import { DIALECTS, testPortal, settleRun } from "../helpers/portal";
import { answerOf } from "../helpers/answer";

const user = (username: string, roles: Role[]): User => ({ id: `u_${username}`, username, displayName: null, roles, via: "session" });
const responder = user("responder", ["responder"]);
const admin = user("admin", ["admin"]);
const admin2 = user("admin2", ["admin"]);
const viewer = user("viewer", ["viewer"]);

/** A fixture plugin: an action with no declared risk (counts as critical) and one that hangs past its timeout. */
let slowSideEffects = 0;
const fixture = definePlugin({
  id: "fx",
  title: "Fixture",
  config: z.object({}),
  async demo() {
    return { config: {}, stop: async () => {} };
  },
  setup() {
    return {
      actions: [
        action({ id: "undeclared", title: "No declared risk", input: z.object({}), async run() {
          return { summary: "ran" };
        } }),
        action({
          id: "hang",
          title: "Ignores its timeout",
          risk: "low",
          timeout: "300ms",
          input: z.object({}),
          async run(_i, ctx) {
            await new Promise((r) => setTimeout(r, 400));
            if (!ctx.signal.aborted) slowSideEffects++;
            return { summary: "done late" };
          },
        }),
      ],
    };
  },
});

const settle = (portal: Portal, runId: string, timeoutMs = 15_000) => settleRun(portal, runId, { timeoutMs: timeoutMs });

async function outcomes(portal: Portal, runId: string): Promise<string[]> {
  const rows = await portal.store.db.selectFrom("audit_entries").select("outcome").where("run_id", "=", runId).orderBy("seq").execute();
  return rows.map((r) => r.outcome);
}

async function lastEntry(portal: Portal) {
  return portal.store.db.selectFrom("audit_entries").selectAll().orderBy("seq", "desc").limit(1).executeTakeFirstOrThrow();
}

function demoState(portal: Portal) {
  const file = path.join(portal.dataDir, "demo", "demo", "state.json");
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

describe.each(DIALECTS)("guard pipeline on %s", (dialect) => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ portal, cleanup } = await testPortal({ dialect, config: { app: { demo: true } }, plugins: [demoPlugin, fixture] }));
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it("runs a low-risk action for a responder: started, succeeded, evidence kept, side effect visible", async () => {
    const evidence = { "demo.cache-entries": { status: "ok", value: 10361, summary: "10361 entries" } };
    const res = await answerOf(submitAction(portal, responder, "demo.flush-cache", { input: { cache: "pricing" }, idempotencyKey: "flush-pricing-1", evidence }));
    expect(res.status).toBe(202);
    const run = await settle(portal, String(res.body.runId));
    expect(run.status).toBe("succeeded");
    expect(run.log).toContain("dropped 312 entries");
    expect(demoState(portal).caches.pricing.entries).toBe(0);
    expect(await outcomes(portal, run.runId)).toEqual(["started", "succeeded"]);
    const started = await portal.store.db.selectFrom("audit_entries").selectAll().where("run_id", "=", run.runId).where("outcome", "=", "started").executeTakeFirstOrThrow();
    expect(JSON.parse(started.details).evidence).toEqual(evidence);
    expect(started.actor).toBe("responder");
  });

  it("denies a viewer and audits it; high needs admin; undeclared risk counts as critical", async () => {
    const a = await answerOf(submitAction(portal, viewer, "demo.flush-cache", { input: { cache: "search" }, idempotencyKey: "viewer-try-1" }));
    expect(a.status).toBe(403);
    expect((await lastEntry(portal)).outcome).toBe("denied");
    const b = await answerOf(submitAction(portal, responder, "demo.rotate-key", { input: { keyName: "api-signing" }, confirm: "api-signing", idempotencyKey: "resp-rotate-1" }));
    expect(b.status).toBe(403);
    const c = await answerOf(submitAction(portal, admin, "fx.undeclared", { input: {}, confirm: "fx.undeclared", idempotencyKey: "undeclared-1" }));
    expect(c.status).toBe(202);
    expect(c.body.status).toBe("awaiting_approval");
    expect(demoState(portal).caches.search.entries).toBe(8821);
  });

  it("rejects invalid input with field errors and an `invalid` entry", async () => {
    const res = await answerOf(submitAction(portal, responder, "demo.flush-cache", { input: { cache: "nope" }, idempotencyKey: "invalid-1" }));
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fieldErrors as object)).toContain("cache");
    const e = await lastEntry(portal);
    expect(e.outcome).toBe("invalid");
    const bad = await answerOf(submitAction(portal, responder, "demo.flush-cache", { input: { cache: "search" }, idempotencyKey: "x" }));
    expect(bad.status).toBe(400);
    expect(bad.body.fieldErrors).toHaveProperty("idempotencyKey");
  });

  it("needs the typed target for high risk", async () => {
    const none = await answerOf(submitAction(portal, admin, "demo.rotate-key", { input: { keyName: "api-signing" }, idempotencyKey: "rotate-noconfirm" }));
    expect(none.status).toBe(400);
    expect(none.body.fieldErrors).toHaveProperty("confirm");
    const wrong = await answerOf(submitAction(portal, admin, "demo.rotate-key", { input: { keyName: "api-signing" }, confirm: "webhook-signing", idempotencyKey: "rotate-wrong" }));
    expect(wrong.status).toBe(400);
    expect(demoState(portal).keys["api-signing"].version).toBe(3);
  });

  it("double submit with one idempotency key executes once", async () => {
    const body = { input: { cache: "sessions" }, idempotencyKey: "double-click-7f3a" };
    const results = await Promise.all(Array.from({ length: 6 }, () => answerOf(submitAction(portal, responder, "demo.flush-cache", body))));
    const ids = new Set(results.map((r) => r.body.runId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.status === 202)).toHaveLength(1);
    expect(results.filter((r) => r.body.duplicate)).toHaveLength(5);
    await settle(portal, String(results[0].body.runId));
    expect(demoState(portal).caches.sessions.flushes).toBe(1);
    const dupes = await portal.store.db.selectFrom("audit_entries").select("outcome").where("run_id", "=", String(results[0].body.runId)).where("outcome", "=", "duplicate").execute();
    expect(dupes).toHaveLength(5);
    // Same key, different input: refused, never a second run.
    const other = await answerOf(submitAction(portal, responder, "demo.flush-cache", { ...body, input: { cache: "search" } }));
    expect(other.status).toBe(409);
    expect(demoState(portal).caches.search.flushes).toBe(0);
  });

  it("two parallel runs on one target: one runs, the other is refused", async () => {
    const mk = (k: string) => answerOf(submitAction(portal, responder, "demo.reindex", { input: { index: "customers", batches: 5, delayMs: 50 }, idempotencyKey: k }));
    const [a, b] = await Promise.all([mk("parallel-a-1"), mk("parallel-b-1")]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([202, 409]);
    const winner = a.status === 202 ? a : b;
    const loser = a.status === 202 ? b : a;
    expect(await outcomes(portal, String(loser.body.runId))).toEqual(["locked"]);
    await settle(portal, String(winner.body.runId));
    expect(demoState(portal).indexes.customers.reindexedBatches).toBe(5);
    // Once finished, the lock is free again.
    const again = await mk("parallel-c-1");
    expect(again.status).toBe(202);
    await settle(portal, String(again.body.runId));
  });

  it("enforces the per-target rate limit", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await answerOf(submitAction(portal, admin, "demo.rotate-key", { input: { keyName: "webhook-signing" }, confirm: "webhook-signing", idempotencyKey: `rl-rotate-${i}` }));
      codes.push(res.status);
      if (res.status === 202) await settle(portal, String(res.body.runId));
    }
    expect(codes).toEqual([202, 202, 202, 429]);
    expect((await lastEntry(portal)).outcome).toBe("rate_limited");
    expect(demoState(portal).keys["webhook-signing"].version).toBe(4);
  });

  it("keeps secret input out of the audit log, the stored run and the run log", async () => {
    const secretValue = "correct-horse-battery-staple-42";
    const res = await answerOf(submitAction(portal, admin, "demo.rotate-key", { input: { keyName: "api-signing", newSecret: secretValue }, confirm: "api-signing", idempotencyKey: "secret-rotate-1" }));
    expect(res.status).toBe(202);
    const run = await settle(portal, String(res.body.runId));
    expect(run.status).toBe("succeeded");
    const rows = await portal.store.db.selectFrom("audit_entries").select(["details", "target"]).execute();
    for (const r of rows) expect(r.details).not.toContain(secretValue);
    const stored = await portal.store.db.selectFrom("action_runs").selectAll().where("id", "=", run.runId).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(secretValue);
    expect((run.input as { newSecret: string }).newSecret).toBe("[redacted]");
  });

  it("critical: the requester cannot approve; a second admin can; double approval runs once", async () => {
    const req = await answerOf(submitAction(portal, admin, "demo.purge-queue", { input: { queue: "dead-letter" }, confirm: "dead-letter", idempotencyKey: "purge-dl-1" }));
    expect(req.status).toBe(202);
    expect(req.body.status).toBe("awaiting_approval");
    const runId = String(req.body.runId);
    expect((await pendingApprovals(portal)).map((r) => r.id)).toContain(runId);
    const self = await answerOf(decideApproval(portal, admin, runId, "approve"));
    expect(self.status).toBe(403);
    expect((await lastEntry(portal)).outcome).toBe("denied");
    const byResponder = await answerOf(decideApproval(portal, responder, runId, "approve"));
    expect(byResponder.status).toBe(403);
    expect(demoState(portal).queues["dead-letter"].messages).toBe(12);
    const [ok, late] = await Promise.all([answerOf(decideApproval(portal, admin2, runId, "approve")), answerOf(decideApproval(portal, user("admin3", ["admin"]), runId, "approve"))]);
    expect([ok.status, late.status].sort()).toEqual([202, 409]);
    const run = await settle(portal, runId);
    expect(run.status).toBe("succeeded");
    expect(run.approvedBy).toMatch(/admin2|admin3/);
    expect(demoState(portal).queues["dead-letter"].messages).toBe(0);
    expect(await outcomes(portal, runId)).toEqual(["requested", "denied", "denied", "approved", "started", "succeeded"]);
  });

  it("critical: a denied or expired request never runs", async () => {
    const req = await answerOf(submitAction(portal, admin, "demo.purge-queue", { input: { queue: "email-outbox" }, confirm: "email-outbox", idempotencyKey: "purge-eo-1" }));
    const runId = String(req.body.runId);
    const denied = await answerOf(decideApproval(portal, admin2, runId, "deny", "not during business hours"));
    expect(denied.status).toBe(200);
    expect((await getRun(portal, runId))!.status).toBe("rejected");

    const req2 = await answerOf(submitAction(portal, admin, "demo.purge-queue", { input: { queue: "email-outbox" }, confirm: "email-outbox", idempotencyKey: "purge-eo-2" }));
    const runId2 = String(req2.body.runId);
    await portal.store.db.updateTable("action_runs").set({ expires_at: Date.now() - 1 }).where("id", "=", runId2).execute();
    const late = await answerOf(decideApproval(portal, admin2, runId2, "approve"));
    expect(late.status).toBe(409);
    expect((await getRun(portal, runId2))!.status).toBe("expired");
    expect(await outcomes(portal, runId2)).toEqual(["requested", "expired"]);

    const req3 = await answerOf(submitAction(portal, admin, "demo.purge-queue", { input: { queue: "email-outbox" }, confirm: "email-outbox", idempotencyKey: "purge-eo-3" }));
    await portal.store.db.updateTable("action_runs").set({ expires_at: Date.now() - 1 }).where("id", "=", String(req3.body.runId)).execute();
    expect(await expireApprovals(portal)).toBeGreaterThanOrEqual(1);
    expect((await getRun(portal, String(req3.body.runId)))!.status).toBe("expired");
    expect(demoState(portal).queues["email-outbox"].messages).toBe(87);
  });

  it("break-glass needs a reason, runs at once, and waits in the review queue for a second admin", async () => {
    const noReason = await answerOf(submitAction(portal, admin, "demo.purge-queue", { input: { queue: "email-outbox" }, confirm: "email-outbox", idempotencyKey: "break-glass-1", breakGlassReason: "  " }));
    expect(noReason.status).toBe(400);
    expect(noReason.body.fieldErrors).toHaveProperty("breakGlassReason");
    const res = await answerOf(submitAction(portal, admin, "demo.purge-queue", {
      input: { queue: "email-outbox" },
      confirm: "email-outbox",
      idempotencyKey: "break-glass-2",
      breakGlassReason: "outbox is mailing customers in a loop; admin2 unreachable",
    }));
    expect(res.status).toBe(202);
    const runId = String(res.body.runId);
    const run = await settle(portal, runId);
    expect(run.status).toBe("succeeded");
    expect(run.breakGlass).toBe(true);
    expect((await reviewQueue(portal)).map((r) => r.id)).toContain(runId);
    expect((await answerOf(reviewBreakGlass(portal, admin, runId))).status).toBe(403);
    expect((await answerOf(reviewBreakGlass(portal, admin2, runId, "checked with on-call"))).status).toBe(200);
    expect((await reviewQueue(portal)).map((r) => r.id)).not.toContain(runId);
    const started = await portal.store.db.selectFrom("audit_entries").select("details").where("run_id", "=", runId).where("outcome", "=", "started").executeTakeFirstOrThrow();
    expect(JSON.parse(started.details)).toMatchObject({ breakGlass: true });
  });

  it("cancels a long run that honours abort", async () => {
    const res = await answerOf(submitAction(portal, responder, "demo.reindex", { input: { index: "orders", batches: 200, delayMs: 50 }, idempotencyKey: "cancel-me-1" }));
    const runId = String(res.body.runId);
    await new Promise((r) => setTimeout(r, 300));
    expect((await answerOf(cancelRun(portal, viewer, runId))).status).toBe(403);
    expect((await answerOf(cancelRun(portal, responder, runId))).status).toBe(202);
    const run = await settle(portal, runId);
    expect(run.status).toBe("cancelled");
    expect(run.progress!.done).toBeLessThan(200);
    expect(await outcomes(portal, runId)).toEqual(["started", "denied", "cancel_requested", "cancelled"]);
  });

  it("fails a run that overruns its timeout", async () => {
    const res = await answerOf(submitAction(portal, responder, "fx.hang", { input: {}, idempotencyKey: "hang-run-1" }));
    const run = await settle(portal, String(res.body.runId));
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/timed out/);
    expect(slowSideEffects).toBe(0);
  });

  it("fails closed: when the audit store cannot write, the action does not run", async () => {
    if (dialect === "sqlite") {
      await sql`create trigger audit_full before insert on audit_entries begin select raise(abort, 'disk full'); end`.execute(portal.store.db);
    } else {
      await sql`create function audit_full() returns trigger language plpgsql as $$ begin raise exception 'disk full'; end $$`.execute(portal.store.db);
      await sql`create trigger audit_full before insert on audit_entries for each row execute function audit_full()`.execute(portal.store.db);
    }
    const before = demoState(portal).caches.search;
    try {
      const res = await answerOf(submitAction(portal, responder, "demo.flush-cache", { input: { cache: "search" }, idempotencyKey: "audit-down-1" }));
      expect(res.status).toBe(503);
      expect(String(res.body.error)).toMatch(/audit/);
      await new Promise((r) => setTimeout(r, 200));
      expect(demoState(portal).caches.search).toEqual(before);
      expect((await getRun(portal, String(res.body.runId)))!.status).toBe("refused");
      expect(await outcomes(portal, String(res.body.runId))).toEqual([]);
    } finally {
      await sql`drop trigger audit_full${sql.raw(dialect === "postgres" ? " on audit_entries" : "")}`.execute(portal.store.db);
    }
  });

  it("marks runs of a dead instance interrupted (audited) and frees their lock", async () => {
    const old = Date.now() - 60_000;
    await portal.store.db
      .insertInto("action_runs")
      .values({
        id: "run_dead1", action_id: "demo.reindex", target: "index:orders", actor: "responder", roles: "responder", risk: "low", status: "started",
        input: "{}", input_hash: "x", result: null, error: null, log: "", progress_done: null, progress_total: null, incident_id: null,
        idempotency_key: "responder|demo.reindex|dead-1", evidence: null, break_glass: 0, break_glass_reason: null, reviewed_by: null, reviewed_at: null,
        approved_by: null, decided_at: null, expires_at: null, cancel_requested: 0, cancelled_by: null, owner: "i_gone", heartbeat_at: old,
        created_at: old, started_at: old, finished_at: null,
      })
      .execute();
    await portal.store.db.insertInto("action_locks").values({ lock_key: "demo.reindex|index:orders", run_id: "run_dead1", owner: "i_gone", acquired_at: old, heartbeat_at: old }).execute();
    expect(await recoverRuns(portal, { all: false })).toBe(1);
    expect((await getRun(portal, "run_dead1"))!.status).toBe("interrupted");
    expect(await outcomes(portal, "run_dead1")).toEqual(["interrupted"]);
    const res = await answerOf(submitAction(portal, responder, "demo.reindex", { input: { index: "orders", batches: 1, delayMs: 10 }, idempotencyKey: "after-dead-1" }));
    expect(res.status).toBe(202);
    await settle(portal, String(res.body.runId));
  });

  it("leaves a chain that verifies", async () => {
    const report = await verifyAudit(portal.store, checkpointSettings({ config: portal.config, dataDir: portal.dataDir }));
    expect(report.problem).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.checked).toBeGreaterThan(30);
  });
});
