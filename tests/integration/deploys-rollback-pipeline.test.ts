import { afterAll, beforeAll, describe, expect, it } from "vitest";
import deploys from "../../plugins/deploys";
import sentry from "../../plugins/sentry";
import { deploysRef, type DeploysService } from "../../plugins/deploys/api";
import { decideApproval, previewAction, submitAction } from "~/core/actions/pipeline.server";
import type { User } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { testPortal, settleRun } from "../helpers/portal";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

// deploys.rollback through the portal's guard pipeline, against the demo shop's Vercel sandbox.
const user = (username: string, roles: ("admin" | "responder")[]): User => ({ id: `u_${username}`, username, displayName: null, roles, via: "session" });
const admin = user("admin", ["admin"]);
const admin2 = user("admin2", ["admin"]);
const responder = user("responder", ["responder"]);
const BAD = "dpl_shop4xxxx";
const GOOD = "dpl_shop2xxxx";
const NEVER_READY = "dpl_shop3xxxx";

const settle = (portal: Portal, runId: string) => settleRun(portal, runId, { timeoutMs: 20_000, pastApproval: true });

describe("deploys.rollback through the action pipeline (demo shop on Vercel's sandbox)", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({ plugins: [deploys, sentry] });
  });
  afterAll(() => t.cleanup());

  it("is critical, refused to a responder, and the preview names current and target with commits and creation times", async () => {
    expect((await answerOf(submitAction(t.portal, responder, "deploys.rollback", { input: { site: "shop", deploymentId: GOOD } }))).status).toBe(403);
    const preview = await answerOf(previewAction(t.portal, admin, "deploys.rollback", { input: { site: "shop", deploymentId: GOOD } }), answerData);
    expect(preview.body).toMatchObject({ risk: "critical", approval: true, target: "deploys:shop" });
    const summary = String((preview.body.preview as { summary: string }).summary);
    const at = (ms: number) => new Date(Date.now() - ms).toISOString().slice(0, 16).replace("T", " ");
    // Creation times, not ages: a second admin's approval compares the preview, and an age would change every minute.
    expect(summary).toContain(`from ${BAD} (commit `);
    expect(summary).toMatch(/"Refactor Stripe webhook handler", created \d{4}-\d\d-\d\d \d\d:\d\d UTC, READY\) to /);
    expect(summary).toMatch(new RegExp(`to ${GOOD} \\(commit [0-9a-f]{7} "Fix VAT rounding on invoices", created \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC, READY\\)`));
    expect([at(40 * 60_000), at(40 * 60_000 + 60_000), at(40 * 60_000 - 60_000)].some((t) => summary.includes(`created ${t} UTC`))).toBe(true);
    expect(summary).not.toMatch(/min old/);
  });

  it("refuses a deployment that never reached ready (400, audited invalid, nothing run)", async () => {
    const res = await answerOf(submitAction(t.portal, admin, "deploys.rollback", { input: { site: "shop", deploymentId: NEVER_READY }, confirm: "deploys:shop", idempotencyKey: "rollback-never-ready-1" }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/never reached ready\/live \(ERROR\)/);
    expect(res.body.fieldErrors).toHaveProperty("deploymentId");
    const entry = await t.portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "deploys.rollback").orderBy("seq", "desc").executeTakeFirstOrThrow();
    expect(entry.outcome).toBe("invalid");
    const unknownSite = await answerOf(submitAction(t.portal, admin, "deploys.rollback", { input: { site: "nope", deploymentId: GOOD }, confirm: "deploys:nope", idempotencyKey: "rollback-unknown-site-1" }));
    expect(unknownSite.status).toBe(400);
    expect(unknownSite.body.fieldErrors).toHaveProperty("site");
  });

  it("needs a second admin, then rolls back and follows it until live, with progress in the run log", async () => {
    const svc = t.portal.registry.services.get(deploysRef)!;
    expect((await svc.current("shop"))!.id).toBe(BAD);
    const first = await answerOf(submitAction(t.portal, admin, "deploys.rollback", { input: { site: "shop", deploymentId: GOOD }, confirm: "deploys:shop", idempotencyKey: "rollback-good-0001" }));
    expect(first.status).toBe(202);
    expect(first.body.status).toBe("awaiting_approval");
    const runId = String(first.body.runId);
    expect((await answerOf(decideApproval(t.portal, admin, runId, "approve"))).status).toBe(403);
    expect((await answerOf(decideApproval(t.portal, admin2, runId, "approve"))).status).toBeLessThan(300);
    const run = await settle(t.portal, runId);
    expect(run.status).toBe("succeeded");
    expect(JSON.stringify(run.result)).toMatch(/shop rolled back: Vercel serves dpl_shop2xxxx/);
    expect(run.log).toMatch(/asking to roll back to dpl_shop2xxxx/);
    expect(run.log).toMatch(/rollback job in-progress/);
    expect(run.log).toMatch(/dpl_shop2xxxx serves production/);
    expect((await svc.current("shop"))!.id).toBe(GOOD);
    const probe = t.portal.registry.probes.get("deploys.shop-current")!;
    const reading = await probe.def.read({ signal: new AbortController().signal, log: { debug() {}, info() {}, warn() {}, error() {} }, now: () => new Date() });
    expect(reading.summary).toContain(GOOD);
  });
});
