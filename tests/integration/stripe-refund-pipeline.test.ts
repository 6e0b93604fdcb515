import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { definePlugin, provide } from "../../plugins/plugin-api";
import { ordersRef } from "../../plugins/orders-api";
import stripe from "../../plugins/stripe";
import { memoryLedger, seededOrders } from "../../plugins/stripe/test-helpers";
import { decideApproval, previewAction, submitAction } from "~/core/actions/pipeline.server";
import type { User } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { testPortal, settleRun } from "../helpers/portal";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

// stripe.refund through the portal's guard pipeline, against the demo sandbox.
const user = (username: string, roles: ("admin" | "responder")[]): User => ({ id: `u_${username}`, username, displayName: null, roles, via: "session" });
const admin = user("admin", ["admin"]);
const admin2 = user("admin2", ["admin"]);
const responder = user("responder", ["responder"]);

const ledgerPlugin = definePlugin({
  id: "ledger",
  title: "Test orders ledger",
  config: z.object({}),
  provides: [ordersRef],
  async demo() {
    return { config: {}, stop: async () => {} };
  },
  setup() {
    return { provides: provide(ordersRef, memoryLedger(seededOrders())) };
  },
});

const settle = (portal: Portal, runId: string) => settleRun(portal, runId, { timeoutMs: 15_000, pastApproval: true });

async function refundsInSandbox(portal: Portal, pi: string) {
  const recheck = portal.registry.actions.get("stripe.recheck-payment")!.def;
  const ctx = { runId: "r", actor: { username: "t", roles: ["admin"] }, idempotencyKey: "k", signal: new AbortController().signal, log() {}, progress() {} };
  const result = await recheck.run({ paymentIntentId: pi }, ctx);
  const refunds = String((result.rows as { item: string; value: string }[]).find((r) => r.item === "refunds")!.value);
  return refunds === "none" ? [] : refunds.split("; ");
}

describe("stripe.refund through the action pipeline", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({ plugins: [ledgerPlugin, stripe] });
  });
  afterAll(() => t.cleanup());

  it("is refused to a responder, and the preview names an over-refund", async () => {
    const denied = await answerOf(submitAction(t.portal, responder, "stripe.refund", { input: { paymentIntentId: "pi_demo_wx1034" } }));
    expect(denied.status).toBe(403);
    const preview = await answerOf(previewAction(t.portal, admin, "stripe.refund", { input: { paymentIntentId: "pi_demo_wx1034", amount: 10_000 } }), answerData);
    expect(preview.body).toMatchObject({ risk: "critical", approval: true, target: "pi_demo_wx1034", preview: null });
    expect(preview.body.previewError).toMatch(/amount 100\.00 USD exceeds what is refundable on pi_demo_wx1034: 99\.00 USD/);
    const bad = await answerOf(submitAction(t.portal, admin, "stripe.refund", { input: { paymentIntentId: "pi_demo_wx1034", amount: -1 }, confirm: "pi_demo_wx1034" }));
    expect(bad.status).toBe(400);
    expect(bad.body.fieldErrors).toHaveProperty("amount");
  });

  it("an over-refund is refused with 400 before anything is filed, and audited as invalid", async () => {
    const over = await answerOf(submitAction(t.portal, admin, "stripe.refund", { input: { paymentIntentId: "pi_demo_wx1034", amount: 10_000 }, confirm: "pi_demo_wx1034", idempotencyKey: "refund-over-0001" }));
    expect(over.status).toBe(400);
    expect(over.body.error).toMatch(/exceeds what is refundable/);
    expect(over.body.fieldErrors).toHaveProperty("amount");
    expect(over.body.runId).toBeUndefined();
    const entry = await t.portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "stripe.refund").orderBy("seq", "desc").executeTakeFirstOrThrow();
    expect(entry.outcome).toBe("invalid");
    expect(entry.details).toMatch(/dry run refused the input/);
    const runs = await t.portal.store.db.selectFrom("action_runs").select("id").where("action_id", "=", "stripe.refund").execute();
    expect(runs).toHaveLength(0);
  });

  it("a second admin approves; the same idempotency key twice is one run and one refund; then the rate limit holds", async () => {
    const body = { input: { paymentIntentId: "pi_demo_wx1034", amount: 2_500 }, confirm: "pi_demo_wx1034", idempotencyKey: "refund-wx1034-0001" };
    const first = await answerOf(submitAction(t.portal, admin, "stripe.refund", body));
    expect(first.status).toBe(202);
    expect(first.body.status).toBe("awaiting_approval");
    const runId = String(first.body.runId);
    expect((await answerOf(decideApproval(t.portal, admin, runId, "approve"))).status).toBe(403);
    const approved = await answerOf(decideApproval(t.portal, admin2, runId, "approve"));
    expect(approved.status).toBeLessThan(300);
    const run = await settle(t.portal, runId);
    expect(run.status).toBe("succeeded");
    expect(JSON.stringify(run.result)).toMatch(/Refunded 25\.00 USD on pi_demo_wx1034/);

    const again = await answerOf(submitAction(t.portal, admin, "stripe.refund", body));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ runId, duplicate: true });
    expect(await refundsInSandbox(t.portal, "pi_demo_wx1034")).toHaveLength(1);

    const other = await answerOf(submitAction(t.portal, admin, "stripe.refund", { ...body, idempotencyKey: "refund-wx1034-0002" }));
    const otherRunId = String(other.body.runId);
    await answerOf(decideApproval(t.portal, admin2, otherRunId, "approve"));
    const limited = await settle(t.portal, otherRunId);
    expect(limited.status).not.toBe("succeeded");
    const outcomes = await t.portal.store.db.selectFrom("audit_entries").select("outcome").where("run_id", "=", otherRunId).execute();
    expect(outcomes.map((o) => o.outcome)).toContain("rate_limited");
    expect(await refundsInSandbox(t.portal, "pi_demo_wx1034")).toHaveLength(1);
  });
});
