// A fresh demo start, as a newcomer gets it: the default reconcile shows one row of each class,
// the story is one story across Stripe and Firestore, the sandboxes are listed with their keys,
// and the history is there once (and only in a demo store), inside the one verified audit chain.
import { spawnSync } from "node:child_process";
import path from "node:path";
import Database from "better-sqlite3";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_STRIPE_KEY } from "../../demo/shop/catalog";
import { createFirestoreClient } from "../../plugins/firestore/client.server";
import { signIn, startServer, type RunningServer } from "../helpers/server";

const ROOT = path.resolve(__dirname, "../..");
let server: RunningServer;
let admin: string;

async function runAction(actionId: string, input: unknown, confirm?: string) {
  const res = await fetch(`${server.baseUrl}/api/actions/${actionId}`, {
    method: "POST",
    headers: { cookie: admin, "content-type": "application/json", origin: server.baseUrl },
    body: JSON.stringify({ input, confirm, idempotencyKey: `it-${Math.random()}` }),
  });
  const { runId } = (await res.json()) as { runId: string };
  expect(runId).toMatch(/^run_/);
  for (let i = 0; i < 100; i++) {
    const run = (await (await fetch(`${server.baseUrl}/api/runs/${runId}`, { headers: { cookie: admin } })).json()) as any;
    if (!["pending", "started"].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`run ${runId} did not finish`);
}

const routeData = async (route: string, cookie: string, query = "") =>
  fetch(`${server.baseUrl}/${route.replace(/\./g, "/")}?${query}${query ? "&" : ""}_data=${encodeURIComponent(`routes/${route}`)}`, { headers: { cookie } });

beforeAll(async () => {
  server = await startServer({ config: {} });
  admin = await signIn(server.baseUrl, "admin");
}, 90_000);
afterAll(async () => {
  await server?.stop();
});

describe("demo world on a fresh start", () => {
  it("default reconcile lists exactly one row of each of the three classes", async () => {
    const run = await runAction("stripe.reconcile", {});
    expect(run.status).toBe("succeeded");
    expect(run.result.summary).toMatch(/^3 mismatches \(1 critical, 1 high, 1 medium\): .*\(last 24h, firestore's ledger\)$/);
    expect(run.result.rows.map((r: any) => [r.class, r.order])).toEqual([
      ["paid_no_order", "wx-1035"],
      ["order_paid_no_payment", "wx-1030"],
      ["transfer_order_not_completed", "wx-1046"],
    ]);
  });

  it("tells one story: the payment stuck in Stripe is the order missing in Firestore (read from both)", async () => {
    const res = await routeData("admin.sandboxes", admin);
    expect(res.status).toBe(200);
    const { sandboxes } = (await res.json()) as { sandboxes: { id: string; baseUrl: string; credentials: { label: string; value: string }[] }[] };
    const stripeBox = sandboxes.find((s) => s.id === "stripe")!;
    const firestoreBox = sandboxes.find((s) => s.id === "firestore")!;
    expect(stripeBox.credentials).toContainEqual({ label: "Secret key", value: DEMO_STRIPE_KEY });
    expect(sandboxes.map((s) => s.id)).toContain("shop");

    const url = new URL(stripeBox.baseUrl);
    const stripe = new Stripe(DEMO_STRIPE_KEY, { host: url.hostname, port: url.port, protocol: "http", maxNetworkRetries: 0, telemetry: false });
    const pi = await stripe.paymentIntents.retrieve("pi_demo_wx1035");
    expect([pi.status, pi.metadata.order_id]).toEqual(["succeeded", "wx-1035"]);
    const pending = await stripe.events.list({ delivery_success: false, type: "payment_intent.succeeded", limit: 100 });
    const stuck = pending.data.filter((e) => (e.data.object as Stripe.PaymentIntent).metadata?.order_id).map((e) => (e.data.object as Stripe.PaymentIntent).metadata.order_id);
    expect(stuck).toContain("wx-1035");

    const projectId = firestoreBox.credentials.find((c) => c.label === "Project id")!.value;
    const client = createFirestoreClient({ projectId, emulatorHost: firestoreBox.baseUrl });
    try {
      expect((await client.db.doc("orders/wx-1035").get()).exists).toBe(false);
      // Every other payment stuck since the rotation names an order that does exist there.
      for (const orderId of stuck.filter((id) => id !== "wx-1035")) {
        const doc = await client.db.doc(`orders/${orderId}`).get();
        expect(doc.exists, orderId).toBe(true);
        expect(doc.get("amount"), orderId).toBe((await stripe.paymentIntents.retrieve(doc.get("stripePaymentIntentId"))).amount);
      }
    } finally {
      await client.close();
    }
  });

  it("lists the sandboxes to admins only", async () => {
    const viewer = await signIn(server.baseUrl, "viewer");
    expect((await routeData("admin.sandboxes", viewer)).status).toBe(403);
  });

  it("has a history: past incidents in every report figure, a past-due prevention item, inside the verified audit chain", { timeout: 120_000 }, async () => {
    const manager = await signIn(server.baseUrl, "manager");
    // The history is written beside the start; on a busy machine it takes a few seconds.
    let figures: any;
    for (let i = 0; i < 120; i++) {
      figures = ((await (await routeData("reports", manager)).json()) as any).figures;
      if (figures.perWeek.reduce((n: number, w: any) => n + w.total, 0) === 10 && figures.overduePrevention.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(figures.perWeek.reduce((n: number, w: any) => n + w.total, 0)).toBe(10);
    for (const s of ["P1", "P2", "P3", "P4"]) {
      expect(figures.perWeek.some((w: any) => w[s] > 0), s).toBe(true);
      expect(figures.mtta.find((m: any) => m.severity === s).minutes, s).toBeGreaterThan(0);
      expect(figures.mttr.find((m: any) => m.severity === s).minutes, s).toBeGreaterThan(0);
    }
    expect(figures.overduePrevention.length).toBeGreaterThan(0);
    expect(figures.actionsPerIncident.some((a: any) => a.actions > 0)).toBe(true);
    expect(figures.topRunbooks[0]).toEqual({ runbook: "stripe-reconciliation", incidents: 3 });

    const verify = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/audit-verify.ts"], {
      cwd: ROOT,
      env: { ...process.env, OPSDECK_DATA_DIR: path.join(server.dir, "data"), OPSDECK_CONFIG: path.join(server.dir, "app-config.yaml"), LOG_LEVEL: "error" },
      encoding: "utf8",
    });
    expect(verify.stdout + verify.stderr).toMatch(/audit log intact/);
    expect(verify.status).toBe(0);
  });

  it("writes the history at the first start of a demo folder only, and never into a non-demo store", async () => {
    await server.stop();
    server = await startServer({ dir: server.dir });
    const count = () => {
      const db = new Database(path.join(server.dir, "data", "opsdeck.sqlite"), { readonly: true });
      try {
        return (db.prepare("select count(*) as n from incidents").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    expect(count()).toBe(10);

    const plain = await startServer({ config: { app: { demo: false }, plugins: { http: { checks: {} } } }, env: { SESSION_SECRET: "x".repeat(40) } });
    try {
      const db = new Database(path.join(plain.dir, "data", "opsdeck.sqlite"), { readonly: true });
      expect((db.prepare("select count(*) as n from incidents").get() as { n: number }).n).toBe(0);
      db.close();
    } finally {
      await plain.stop();
    }
  }, 90_000);
});
