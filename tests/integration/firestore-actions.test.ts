// The firestore fixes through the portal's guard pipeline: preview, typed confirmation, run, audit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFirestoreClient, type FirestoreClient } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import { describeAction, previewAction, submitAction } from "~/core/actions/pipeline.server";
import { getRun } from "~/core/actions/runs.server";
import { probeEngine } from "~/core/probes/service.server";
import type { User } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { testPortal } from "../helpers/portal";
import { shopCatalog } from "../helpers/shop";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

let sandbox: FirestoreSandbox;
let client: FirestoreClient;
let portal: Portal;
let cleanup: () => Promise<void>;

const admin: User = { id: "u-admin", username: "admin", displayName: null, roles: ["admin"], via: "session" };
const responder: User = { id: "u-resp", username: "responder", displayName: null, roles: ["responder"], via: "session" };

beforeAll(async () => {
  sandbox = await startFirestoreSandbox({ catalog: shopCatalog });
  client = createFirestoreClient({ projectId: sandbox.projectId, emulatorHost: sandbox.host });
  ({ portal, cleanup } = await testPortal({ config: { plugins: { firestore: wildlifeExchangeConfig(sandbox) } } }));
});
afterAll(async () => {
  await cleanup?.();
  await client?.close();
  await sandbox?.stop();
});

async function finished(runId: string) {
  for (let i = 0; i < 100; i++) {
    const run = await getRun(portal, runId);
    if (run && !run.active) return run;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${runId} did not finish`);
}

describe("firestore fixes through the guard pipeline", () => {
  it("describes every fix's input as JSON Schema for the dialog's form", () => {
    for (const id of ["firestore.set-order-status", "firestore.set-payment-intent", "firestore.toggle-admin-hold", "firestore.add-internal-note", "firestore.record-stripe-event"]) {
      const d = describeAction(portal.registry.actions.get(id)!);
      expect(d, id).toMatchObject({ risk: "high", requiredRole: "admin", confirm: true, approval: false });
      expect(Object.keys((d.schema as { properties: object }).properties).length, id).toBeGreaterThan(0);
    }
    const status = describeAction(portal.registry.actions.get("firestore.set-order-status")!).schema as { properties: Record<string, { enum?: string[] }> };
    expect(status.properties.status.enum).toEqual(["cancelled", "refunded", "completed"]);
  });

  it("previews, then toggles adminHold on one order as admin, with audit entries naming the document", async () => {
    const preview = await answerOf(previewAction(portal, admin, "firestore.toggle-admin-hold", { input: { orderId: "wx-1040" } }), answerData);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      target: "orders/wx-1040",
      risk: "high",
      confirm: true,
      preview: { count: 1, before: { adminHold: false }, after: { adminHold: true }, precondition: expect.stringMatching(/^\d+\.\d{9}$/) },
    });

    const wrong = await answerOf(submitAction(portal, admin, "firestore.toggle-admin-hold", { input: { orderId: "wx-1040" }, confirm: "wx-1040", idempotencyKey: "fs-hold-wx1040-a" }));
    expect(wrong.status).toBe(400);

    const res = await answerOf(submitAction(portal, admin, "firestore.toggle-admin-hold", { input: { orderId: "wx-1040" }, confirm: "orders/wx-1040", idempotencyKey: "fs-hold-wx1040-b" }));
    expect(res.status).toBeLessThan(300);
    const run = await finished((res.body as { runId: string }).runId);
    expect(run.status).toBe("succeeded");
    expect((await client.db.doc("orders/wx-1040").get()).get("adminHold")).toBe(true);

    const entries = await portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "firestore.toggle-admin-hold").orderBy("seq").execute();
    expect(entries.map((e) => [e.outcome, e.target])).toEqual([
      ["invalid", "orders/wx-1040"],
      ["started", "orders/wx-1040"],
      ["succeeded", "orders/wx-1040"],
    ]);
  });

  it("passes the preview's precondition to the run, which refuses when the document changed since the preview", async () => {
    const preview = await answerOf(previewAction(portal, admin, "firestore.add-internal-note", { input: { orderId: "wx-1041", note: "checked with the buyer" } }), answerData);
    const precondition = (preview.body.preview as { precondition: string }).precondition;
    expect(precondition).toMatch(/^\d+\.\d{9}$/);
    await client.db.doc("orders/wx-1041").update({ touchedBy: "someone else" }); // a write between preview and run
    const res = await answerOf(submitAction(portal, admin, "firestore.add-internal-note", {
      input: { orderId: "wx-1041", note: "checked with the buyer" },
      confirm: "orders/wx-1041",
      idempotencyKey: "fs-note-wx1041-stale",
      precondition,
    }));
    expect(res.status).toBeLessThan(300);
    const run = await finished((res.body as { runId: string }).runId);
    expect(run.status).toBe("failed");
    expect(JSON.stringify(run)).toMatch(/changed since preview/);

    const fresh = await answerOf(previewAction(portal, admin, "firestore.add-internal-note", { input: { orderId: "wx-1041", note: "checked with the buyer" } }), answerData);
    const ok = await answerOf(submitAction(portal, admin, "firestore.add-internal-note", {
      input: { orderId: "wx-1041", note: "checked with the buyer" },
      confirm: "orders/wx-1041",
      idempotencyKey: "fs-note-wx1041-fresh",
      precondition: (fresh.body.preview as { precondition: string }).precondition,
    }));
    expect((await finished((ok.body as { runId: string }).runId)).status).toBe("succeeded");
  });

  it("re-reads the plugin's probes after a fix, so pages update in place rather than at the next interval", async () => {
    const engine = probeEngine(portal);
    const before = (await engine.refresh("firestore.held-orders")).reading?.value;
    expect(typeof before).toBe("number");
    const preview = await answerOf(previewAction(portal, admin, "firestore.toggle-admin-hold", { input: { orderId: "wx-1042" } }), answerData);
    const after = (preview.body.preview as { after: { adminHold: boolean } }).after.adminHold;
    const res = await answerOf(submitAction(portal, admin, "firestore.toggle-admin-hold", { input: { orderId: "wx-1042" }, confirm: "orders/wx-1042", idempotencyKey: "fs-hold-wx1042" }));
    expect((await finished((res.body as { runId: string }).runId)).status).toBe("succeeded");
    const expected = (before as number) + (after ? 1 : -1);
    for (let i = 0; i < 100 && engine.peek("firestore.held-orders")?.reading?.value !== expected; i++) await new Promise((r) => setTimeout(r, 50));
    expect(engine.peek("firestore.held-orders")?.reading?.value).toBe(expected);
  });

  it("denies a responder: single-document fixes are high risk", async () => {
    const res = await answerOf(submitAction(portal, responder, "firestore.set-order-status", { input: { orderId: "wx-1030", status: "cancelled" }, confirm: "orders/wx-1030", idempotencyKey: "fs-status-wx1030" }));
    expect(res.status).toBe(403);
    expect((await client.db.doc("orders/wx-1030").get()).get("status")).toBe("paid");
  });

  it("answers 400 with field errors for a completed status without a transfer id", async () => {
    const res = await answerOf(submitAction(portal, admin, "firestore.set-order-status", { input: { orderId: "wx-1046", status: "completed" }, confirm: "orders/wx-1046", idempotencyKey: "fs-status-wx1046" }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ fieldErrors: { transferId: ["completed needs the Stripe transfer id (tr_…)"] } });
  });
});
