import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { z } from "zod";
import { action, definePlugin, provide, secret } from "../../plugins/plugin-api";
import { ordersRef } from "../../plugins/orders-api";
import stripe from "../../plugins/stripe";
import { memoryLedger, seededOrders } from "../../plugins/stripe/test-helpers";
import { decideApproval, previewAction, submitAction } from "~/core/actions/pipeline.server";
import { getRun, pendingApprovals } from "~/core/actions/runs.server";
import type { User } from "~/core/auth.server";
import { bootPortal } from "~/core/boot.server";
import type { Portal } from "~/core/portal.server";
import { freshDatabaseUrl, type TestDialect, settleRun } from "../helpers/portal";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

// Defect 3: a critical request waiting for approval keeps its input in the store (secret fields
// sealed), so any instance approves it, after restarts too, and the approver approves what the
// requester saw.
const user = (username: string): User => ({ id: `u_${username}`, username, displayName: null, roles: ["admin"], via: "session" });
const admin = user("admin");
const admin2 = user("admin2");

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

/** A critical action with a secret input field; what its runs received, and a version its preview shows. */
const vaultState = { version: 1, received: [] as string[] };
const vaultPlugin = definePlugin({
  id: "vault",
  title: "Test vault",
  config: z.object({}),
  async demo() {
    return { config: {}, stop: async () => {} };
  },
  setup() {
    return {
      actions: [
        action({
          id: "set-password",
          title: "Set a service password",
          risk: "critical",
          input: z.object({ account: z.string().regex(/^[a-z]+$/), newPassword: secret(z.string().min(12)) }),
          target: (i) => `account:${i.account}`,
          async preview(i) {
            return { summary: `Sets a new password on ${i.account}`, count: 1, before: { version: vaultState.version }, after: { version: vaultState.version + 1 } };
          },
          async run(i) {
            vaultState.received.push(i.newPassword);
            vaultState.version++;
            return { summary: `password of ${i.account} set` };
          },
        }),
      ],
    };
  },
});

const plugins = [ledgerPlugin, stripe, vaultPlugin];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

/** One portal instance: its own folder (data dir, generated keys) unless one is given, on a given store. */
async function instance(databaseUrl: string, options: { dir?: string; env?: Record<string, string> } = {}): Promise<{ portal: Portal; dir: string }> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-approvals-"));
  fs.writeFileSync(path.join(dir, "app-config.yaml"), YAML.stringify({}));
  fs.mkdirSync(path.join(dir, "runbooks"), { recursive: true });
  const portal = await bootPortal({
    cwd: dir,
    env: { OPSDECK_DEMO_PASSWORD: "test-password", SESSION_SECRET: "test-session-secret-0123456789", ...options.env },
    databaseUrl,
    plugins,
    background: false,
    log: pino({ level: "silent" }),
  });
  if (!options.dir) cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return { portal, dir };
}

async function database(dialect: TestDialect) {
  const db = await freshDatabaseUrl(dialect);
  cleanups.push(() => db.drop());
  return db.url;
}

const settle = (portal: Portal, runId: string) => settleRun(portal, runId, { timeoutMs: 20_000, pastApproval: true });

/** What the browser's dialog sends: the input, the typed target, and the preview's precondition. */
async function browserRefundRequest(portal: Portal, key: string) {
  const input = { paymentIntentId: "pi_demo_wx1045", amount: 2_500, reason: "requested_by_customer" };
  const preview = await answerOf(previewAction(portal, admin, "stripe.refund", { input }), answerData);
  expect(preview.status).toBe(200);
  const precondition = (preview.body.preview as { precondition: string }).precondition;
  const res = await answerOf(submitAction(portal, admin, "stripe.refund", { input, confirm: "pi_demo_wx1045", idempotencyKey: key, precondition }));
  expect(res.status).toBe(202);
  return String(res.body.runId);
}

describe("stored approval requests", () => {
  it("a refund requested as the browser sends it (with the preview's precondition) is approved and runs", async () => {
    const url = await database("sqlite");
    const { portal } = await instance(url);
    cleanups.push(() => portal.shutdown());
    const runId = await browserRefundRequest(portal, "browser-refund-0001");
    const approved = await answerOf(decideApproval(portal, admin2, runId, "approve"));
    expect(approved.body.error).toBeUndefined();
    expect(approved.status).toBe(202);
    const run = await settle(portal, runId);
    expect(run.status).toBe("succeeded");
    expect(JSON.stringify(run.result)).toMatch(/Refunded 25\.00 USD on pi_demo_wx1045/);
  });

  it("the approver's queue shows what the requester saw: amount, currency, reason, target, blast radius", async () => {
    const url = await database("sqlite");
    const { portal } = await instance(url);
    cleanups.push(() => portal.shutdown());
    const runId = await browserRefundRequest(portal, "browser-refund-0002");
    const [card] = (await pendingApprovals(portal)).filter((r) => r.id === runId);
    expect(card.target).toBe("pi_demo_wx1045");
    expect(card.input).toMatchObject({ paymentIntentId: "pi_demo_wx1045", amount: 2500, reason: "requested_by_customer" });
    expect(card.preview?.summary).toMatch(/Refund 25\.00 USD/);
    expect(card.preview?.count).toBe(1);
    expect(card.preview?.before).toMatchObject({ currency: "usd" });
  });

  it("a request survives a restart: a fresh portal on the same store and folder approves it", async () => {
    const url = await database("sqlite");
    const first = await instance(url);
    const runId = await browserRefundRequest(first.portal, "restart-refund-0001");
    await first.portal.shutdown();
    const second = await instance(url, { dir: first.dir });
    cleanups.push(() => second.portal.shutdown());
    const approved = await answerOf(decideApproval(second.portal, admin2, runId, "approve"));
    expect(approved.body.error).toBeUndefined();
    expect(approved.status).toBe(202);
    expect((await settle(second.portal, runId)).status).toBe("succeeded");
  });

  it("secret input is sealed at rest and reaches the run after a restart", async () => {
    const url = await database("sqlite");
    const first = await instance(url);
    const password = "correct-horse-battery-staple-42";
    const req = await answerOf(submitAction(first.portal, admin, "vault.set-password", { input: { account: "billing", newPassword: password }, confirm: "account:billing" }));
    expect(req.status).toBe(202);
    const runId = String(req.body.runId);
    const stored = await first.portal.store.db.selectFrom("action_requests").selectAll().where("run_id", "=", runId).executeTakeFirstOrThrow();
    expect(stored.input_plain).toBeNull();
    expect(stored.input_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(password);
    const keyFile = path.join(first.dir, "data", "approval-requests.key");
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    await first.portal.shutdown();
    expect(fs.readFileSync(url).includes(Buffer.from(password))).toBe(false);

    const second = await instance(url, { dir: first.dir });
    cleanups.push(() => second.portal.shutdown());
    expect((await answerOf(decideApproval(second.portal, admin2, runId, "approve"))).status).toBe(202);
    expect((await settle(second.portal, runId)).status).toBe("succeeded");
    expect(vaultState.received.at(-1)).toBe(password);
    expect(await second.portal.store.db.selectFrom("action_requests").select("run_id").where("run_id", "=", runId).executeTakeFirst()).toBeUndefined();
  });

  it("two instances on one PostgreSQL: requested on one, approved on the other", async () => {
    const url = await database("postgres");
    const env = { OPSDECK_REQUEST_KEY: "shared-request-key-0123456789abcdef" };
    const a = await instance(url, { env });
    cleanups.push(() => a.portal.shutdown());
    const b = await instance(url, { env });
    cleanups.push(() => b.portal.shutdown());
    const password = "another-long-secret-value-77";
    const req = await answerOf(submitAction(a.portal, admin, "vault.set-password", { input: { account: "payroll", newPassword: password }, confirm: "account:payroll" }));
    expect(req.status).toBe(202);
    const runId = String(req.body.runId);
    const approved = await answerOf(decideApproval(b.portal, admin2, runId, "approve"));
    expect(approved.body.error).toBeUndefined();
    expect(approved.status).toBe(202);
    expect((await settle(b.portal, runId)).status).toBe("succeeded");
    expect(vaultState.received.at(-1)).toBe(password);

    // A third instance with another key says which key it lacks instead of failing obscurely. It
    // joins a store that already holds audit entries its fresh folder has no checkpoint of: an
    // accepted (audited) gap.
    const other = await instance(url, { env: { OPSDECK_REQUEST_KEY: "a-different-request-key-000000", OPSDECK_ACCEPT_AUDIT_GAP: "a third instance joins the shared store" } });
    cleanups.push(() => other.portal.shutdown());
    const again = await answerOf(submitAction(a.portal, admin, "vault.set-password", { input: { account: "payroll", newPassword: "yet-another-secret-1234" }, confirm: "account:payroll" }));
    const refused = await answerOf(decideApproval(other.portal, admin2, String(again.body.runId), "approve"));
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/sealed with key [0-9a-f]{16}, but this instance holds key [0-9a-f]{16}/);
  });

  it("when the live preview changed since the request, approval shows what changed and requires a fresh request", async () => {
    const url = await database("sqlite");
    const { portal } = await instance(url);
    cleanups.push(() => portal.shutdown());
    const req = await answerOf(submitAction(portal, admin, "vault.set-password", { input: { account: "search", newPassword: "search-secret-value-123" }, confirm: "account:search" }));
    const runId = String(req.body.runId);
    vaultState.version += 5; // someone changed the account meanwhile
    const res = await answerOf(decideApproval(portal, admin2, runId, "approve"));
    expect(res.status).toBe(409);
    expect(res.body.status).toBe("superseded");
    expect(res.body.error).toMatch(/changed since the request .*request again/);
    expect(res.body.changes).toEqual(expect.arrayContaining([expect.objectContaining({ field: "before.version" })]));
    expect((await getRun(portal, runId))?.status).toBe("superseded");
    const entry = await portal.store.db.selectFrom("audit_entries").selectAll().where("run_id", "=", runId).orderBy("seq", "desc").executeTakeFirstOrThrow();
    expect(entry.outcome).toBe("superseded");
  });
});
