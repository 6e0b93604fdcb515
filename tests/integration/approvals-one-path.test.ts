// One path for an admin's decision (issue 26): the JSON API (POST /api/runs/:runId/approval) and
// the /audit approval form call the same service, so they refuse alike and leave the same audit
// entries; a press goes through one front door that joins incidents and records its origin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { action, definePlugin, type PluginDefinition } from "../../plugins/plugin-api";
import { createApiToken } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { action as pressRoute } from "~/routes/api.actions.$actionId";
import { action as approvalRoute } from "~/routes/api.runs.$runId.approval";
import { action as auditRoute } from "~/routes/audit._index";
import { makeRequest, testPortal } from "../helpers/portal";

function vault() {
  const purged: string[] = [];
  const plugin: PluginDefinition = definePlugin({
    id: "vault",
    title: "Vault",
    config: z.object({}).strict(),
    async demo() {
      return { config: {}, stop: async () => {} };
    },
    setup: () => ({
      actions: [
        action({
          id: "purge",
          title: "Purge a queue",
          risk: "critical",
          input: z.object({ queue: z.string().min(3) }),
          target: (i) => i.queue,
          async run(input) {
            purged.push(input.queue);
            return { summary: `purged ${input.queue}` };
          },
        }),
        action({
          id: "rotate",
          title: "Rotate a key",
          risk: "high",
          input: z.object({ keyName: z.string().min(3) }),
          target: (i) => `key:${i.keyName}`,
          async run(input) {
            return { summary: `rotated ${input.keyName}` };
          },
        }),
      ],
    }),
  });
  return { plugin, purged };
}

describe("one path for approvals, from the API and the /audit form", () => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  const auth: Record<string, string> = {};

  beforeAll(async () => {
    ({ portal, cleanup } = await testPortal({ plugins: [vault().plugin] }));
    const admin = await portal.store.db.selectFrom("users").selectAll().where("username", "=", "admin").executeTakeFirstOrThrow();
    const second = await portal.store.db.selectFrom("users").select("roles").where("username", "=", "admin2").executeTakeFirst();
    if (!second) await portal.store.db.insertInto("users").values({ ...admin, id: "u_admin2_one_path", username: "admin2" }).execute();
    else expect(second.roles).toContain("admin");
    for (const u of await portal.store.db.selectFrom("users").select(["id", "username"]).execute()) {
      auth[u.username] = `Bearer ${(await createApiToken(portal.store, u.id, "test")).token}`;
    }
  });
  afterAll(async () => cleanup?.());

  const call = (route: unknown, url: string, params: Record<string, string>, who: string, body: unknown) =>
    (route as (a: unknown) => Promise<Response>)({
      request: makeRequest(url, { method: "POST", headers: { authorization: auth[who], "content-type": "application/json" }, body: JSON.stringify(body) }),
      params,
      context: {},
    });
  const viaApi = (who: string, runId: string, decision: "approve" | "deny", note?: string, confirm?: string) => call(approvalRoute, `/api/runs/${runId}/approval`, { runId }, who, { decision, note, confirm });
  const viaForm = (who: string, runId: string, decision: "approve" | "deny", note?: string, confirm?: string) =>
    (auditRoute as (a: unknown) => Promise<Response>)({
      request: makeRequest("/audit", { method: "POST", headers: { authorization: auth[who], "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ intent: decision, runId, ...(note ? { note } : {}), ...(confirm ? { confirm } : {}) }).toString() }),
      params: {},
      context: {},
    });
  const press = async (who: string, actionId: string, body: Record<string, unknown>) => {
    const res = await call(pressRoute, `/api/actions/${actionId}`, { actionId }, who, body);
    return { status: res.status, body: (await res.json()) as { runId: string; status: string } };
  };
  /** The entry a decision wrote, without what differs by run (ids, target, time, chain). */
  const entryOf = async (runId: string, outcome: string) => {
    const e = await portal.store.db.selectFrom("audit_entries").selectAll().where("run_id", "=", runId).where("outcome", "=", outcome).orderBy("seq", "desc").executeTakeFirstOrThrow();
    return { action: e.action, actor: e.actor, roles: e.roles, outcome: e.outcome, details: JSON.parse(e.details) };
  };

  it("both refuse the requester with 403 and the same 'denied' entry, then both approve as a second admin with the same 'approved' entry", async () => {
    const a = await press("admin", "vault.purge", { input: { queue: "dead-letter" }, confirm: "dead-letter", reason: "poison messages block the worker", idempotencyKey: "one-path-a" });
    const b = await press("admin", "vault.purge", { input: { queue: "email-outbox" }, confirm: "email-outbox", reason: "a bounce storm fills the outbox", idempotencyKey: "one-path-b" });
    expect([a.status, a.body.status, b.status, b.body.status]).toEqual([202, "awaiting_approval", 202, "awaiting_approval"]);

    const selfApi = await viaApi("admin", a.body.runId, "approve");
    const selfForm = await viaForm("admin", b.body.runId, "approve");
    expect([selfApi.status, selfForm.status]).toEqual([403, 403]);
    expect(((await selfApi.json()) as { error: string }).error).toBe("you cannot approve or deny your own request: another admin must decide");
    expect(((await selfForm.json()) as { message: string }).message).toBe("you cannot approve or deny your own request: another admin must decide");
    const deniedApi = await entryOf(a.body.runId, "denied");
    expect(deniedApi.details.reason).toBe("the requester cannot approve their own request");
    expect(await entryOf(b.body.runId, "denied")).toEqual(deniedApi);

    // The second admin types the target, as the requester did: without it both refuse with 400 and the same 'invalid' entry.
    const untypedApi = await viaApi("admin2", a.body.runId, "approve", "checked with billing");
    const untypedForm = await viaForm("admin2", b.body.runId, "approve", "checked with billing", "dead-letter");
    expect([untypedApi.status, untypedForm.status]).toEqual([400, 400]);
    expect(((await untypedApi.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.confirm).toEqual(['type "dead-letter" to confirm']);
    expect(((await untypedForm.json()) as { message: string }).message).toBe('type the target "email-outbox" to approve');
    const invalidApi = await entryOf(a.body.runId, "invalid");
    expect(invalidApi).toMatchObject({ actor: "admin2", details: { reason: "typed confirmation does not match the target", decision: "approve" } });
    expect(await entryOf(b.body.runId, "invalid")).toEqual(invalidApi);
    expect((await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", a.body.runId).executeTakeFirstOrThrow()).status).toBe("awaiting_approval");

    const okApi = await viaApi("admin2", a.body.runId, "approve", "checked with billing", "dead-letter");
    const okForm = await viaForm("admin2", b.body.runId, "approve", "checked with billing", "email-outbox");
    expect(okApi.status).toBe(202);
    expect(okForm.status).toBe(200);
    const approvedApi = await entryOf(a.body.runId, "approved");
    expect(approvedApi).toMatchObject({ actor: "admin2", details: { requester: "admin", note: "checked with billing" } });
    expect(await entryOf(b.body.runId, "approved")).toEqual(approvedApi);
  });

  it("the /audit form decides a responder's request as the API does (declined as a request, not refused as 'not awaiting approval')", async () => {
    const r1 = await press("responder", "vault.rotate", { input: { keyName: "signing" }, request: { reason: "the signing key leaked into a log" } });
    const r2 = await press("responder", "vault.rotate", { input: { keyName: "webhook" }, request: { reason: "the webhook key leaked into a log" } });
    expect([r1.body.status, r2.body.status]).toEqual(["requested", "requested"]);
    const api = await viaApi("admin", r1.body.runId, "deny", "not needed");
    const form = await viaForm("admin", r2.body.runId, "deny", "not needed");
    expect([api.status, form.status]).toEqual([200, 200]);
    const declined = await entryOf(r1.body.runId, "rejected");
    expect(declined).toMatchObject({ actor: "admin", details: { request: true, requester: "responder", reason: "not needed" } });
    expect(await entryOf(r2.body.runId, "rejected")).toEqual(declined);
    for (const id of [r1.body.runId, r2.body.runId]) {
      expect((await portal.store.db.selectFrom("action_runs").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status).toBe("rejected");
    }
  });

  it("a press records the runbook it came from with the run, for a run, an approval request and an ask-an-admin request", async () => {
    const ran = await press("admin", "vault.rotate", { input: { keyName: "api" }, confirm: "key:api", idempotencyKey: "one-path-origin-run", runbook: "payments/refunds.md" });
    const filed = await press("admin", "vault.purge", { input: { queue: "retry" }, confirm: "retry", reason: "stuck retries since the deploy", idempotencyKey: "one-path-origin-approval", runbook: "queues.md" });
    const asked = await press("responder", "vault.rotate", { input: { keyName: "sso" }, request: { reason: "the sso key must rotate now" }, runbook: "auth/sso.md" });
    const refusedPath = await press("admin", "vault.rotate", { input: { keyName: "ssh" }, confirm: "key:ssh", idempotencyKey: "one-path-origin-bad", runbook: "../etc/passwd" });
    expect([ran.status, filed.status, asked.status, refusedPath.status]).toEqual([202, 202, 202, 202]);
    const origins = await portal.store.db.selectFrom("run_origins").select(["run_id", "runbook"]).where("run_id", "in", [ran.body.runId, filed.body.runId, asked.body.runId, refusedPath.body.runId]).execute();
    expect(Object.fromEntries(origins.map((o) => [o.run_id, o.runbook]))).toEqual({ [ran.body.runId]: "payments/refunds.md", [filed.body.runId]: "queues.md", [asked.body.runId]: "auth/sso.md" });
  });
});
