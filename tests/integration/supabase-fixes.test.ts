import os from "node:os";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ActionDefinition, PluginInstance } from "../../plugins/plugin-api";
import { ordersRef, type OrdersLedger } from "../../plugins/orders-api";
import stripe from "../../plugins/stripe";
import { actionContext, stripeFixture } from "../../plugins/stripe/test-helpers";
import supabase from "../../plugins/supabase";
import { expireReservation } from "../../plugins/supabase/actions/expire-coupon-reservation";
import { CouponsMappingSchema } from "../../plugins/supabase/config";
import { testPortal } from "../helpers/portal";
import { shopDatabase } from "../helpers/shop-postgres";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const KEY = "sb_secret_test_0123456789abcdef";

let db: Awaited<ReturnType<typeof shopDatabase>>;
let instance: PluginInstance;
const act = (id: string) => instance.actions!.find((a) => a.id === id) as ActionDefinition<any>;
const preview = (id: string, input: Record<string, unknown>) => act(id).preview!(act(id).input.parse(input), { signal: new AbortController().signal, actor: { username: "admin", roles: ["admin"] } });
// As the pipeline does: the input schema parses the fields, the preview's precondition rides beside them.
const run = (id: string, { precondition, ...input }: Record<string, unknown>) => act(id).run({ ...act(id).input.parse(input), ...(precondition !== undefined ? { precondition } : {}) }, actionContext());

beforeAll(async () => {
  db = await shopDatabase();
  const config = supabase.config.parse({ url: "http://127.0.0.1:1", serviceRoleKey: KEY, ...db.supabase, orders: {}, coupons: {}, presets: ["order-health"] });
  instance = await supabase.setup({ config, log: quiet, deps: {}, demo: false, dataDir: os.tmpdir() });
});
afterAll(async () => {
  await instance?.stop?.();
  await db?.drop();
});

describe("coupon fix: one transaction", () => {
  it("changes the reservation and the reserved count together or not at all (connection killed between the two statements)", async () => {
    const state = () => db.psql("select (select status from coupon_reservations where id = 'res-7001') || '/' || (select reserved_count from coupons where id = 'SPRING25')");
    expect(state()).toBe("reserved/5");
    const p = await preview("expire-coupon-reservation", { reservationId: "res-7001" });
    expect(p.summary).toBe(`reservation res-7001: "reserved" → "expired"; coupon SPRING25 reserved_count 5 → 4 (one transaction)`);
    expect(p.count).toBe(2);

    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on("error", () => {});
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      let killed = 0;
      await expect(
        expireReservation(pool, 5000, CouponsMappingSchema.parse({}), { reservationId: "res-7001", precondition: p.precondition }, {
          async between(client) {
            // The reservation row is already updated inside the transaction here.
            expect((await client.query("select status from coupon_reservations where id = 'res-7001'")).rows[0].status).toBe("expired");
            const pid = (await client.query("select pg_backend_pid() as pid")).rows[0].pid;
            killed = (await admin.query("select count(*)::int as n from (select pg_terminate_backend($1)) t", [pid])).rows[0].n;
          },
        }),
      ).rejects.toThrow(/terminat|Connection/i);
      expect(killed).toBe(1);
      expect(state()).toBe("reserved/5");
    } finally {
      await admin.end();
      await pool.end();
    }

    const result = await run("expire-coupon-reservation", { reservationId: "res-7001", precondition: p.precondition });
    expect(result.summary).toBe("reservation res-7001 expired; coupon SPRING25 reserved_count 5 → 4");
    expect(state()).toBe("expired/4");
  });

  it("refuses a reservation changed since preview, one not yet expired, and one already expired", async () => {
    const p = await preview("expire-coupon-reservation", { reservationId: "res-7002" });
    await db.query("update coupon_reservations set expires_at = expires_at - interval '1 minute' where id = 'res-7002'");
    await expect(run("expire-coupon-reservation", { reservationId: "res-7002", precondition: p.precondition })).rejects.toThrow(/res-7002 changed since preview \(expires_at is now/);
    expect(db.psql("select (select status from coupon_reservations where id = 'res-7002') || '/' || (select reserved_count from coupons where id = 'SPRING25')")).toBe("reserved/4");
    await expect(preview("expire-coupon-reservation", { reservationId: "res-7004" })).rejects.toThrow("has not expired yet");
    await expect(preview("expire-coupon-reservation", { reservationId: "res-7010" })).rejects.toThrow('is "expired", not "reserved"');
    await expect(preview("expire-coupon-reservation", { reservationId: "res-nope" })).rejects.toMatchObject({ status: 400, message: "reservation res-nope does not exist" });
  });
});

describe("single-order fixes", () => {
  it("confirms one stuck paid order after verification, with before/after and the preset probe following", async () => {
    const stuck = instance.probes!.find((x) => x.id === "stuck-paid-orders")!;
    const read = () => stuck.read({ signal: new AbortController().signal, log: quiet, now: () => new Date() });
    expect((await read()).value).toBe(3);
    await expect(preview("confirm-order", { orderId: "wx-1031", paymentIntentId: "pi_demo_wx1032" })).rejects.toThrow("verify the order's own payment first");
    const p = await preview("confirm-order", { orderId: "wx-1031", paymentIntentId: "pi_demo_wx1031" });
    expect(p).toMatchObject({ count: 1, before: { status: "paid", webhook_processed_at: null }, after: { status: "confirmed" } });
    expect(p.rows![0]).toEqual({ column: "status", before: "paid", after: "confirmed" });
    const r = await run("confirm-order", { orderId: "wx-1031", paymentIntentId: "pi_demo_wx1031", precondition: p.precondition });
    expect(r.summary).toBe('status "paid" → "confirmed" (payment pi_demo_wx1031 verified) (orders wx-1031)');
    expect(db.psql("select status || '/' || (confirmed_at is not null) || '/' || (webhook_processed_at is not null) from orders where id = 'wx-1031'")).toBe("confirmed/true/true");
    expect((await read()).value).toBe(2);
    await expect(preview("confirm-order", { orderId: "wx-1031", paymentIntentId: "pi_demo_wx1031" })).rejects.toThrow('is "confirmed", not "paid"');
  });

  it("refuses a row changed since preview, and a payment intent another order holds", async () => {
    const p = await preview("confirm-order", { orderId: "wx-1032", paymentIntentId: "pi_demo_wx1032" });
    await db.query("update orders set updated_at = now() where id = 'wx-1032'");
    await expect(run("confirm-order", { orderId: "wx-1032", paymentIntentId: "pi_demo_wx1032", precondition: p.precondition })).rejects.toThrow(/orders wx-1032 changed since preview \(updated_at is now/);
    expect(db.psql("select status from orders where id = 'wx-1032'")).toBe("paid");

    await expect(preview("set-payment-intent", { orderId: "wx-1030", paymentIntentId: "pi_demo_wx1033" })).rejects.toThrow("pi_demo_wx1033 already belongs to order wx-1033");
    const q = await preview("set-payment-intent", { orderId: "wx-1030", paymentIntentId: "pi_demo_wx1030" });
    expect(q.rows![0]).toEqual({ column: "payment_intent_id", before: null, after: "pi_demo_wx1030" });
    await run("set-payment-intent", { orderId: "wx-1030", paymentIntentId: "pi_demo_wx1030", precondition: q.precondition });
    expect(db.psql("select payment_intent_id from orders where id = 'wx-1030'")).toBe("pi_demo_wx1030");
    await expect(run("set-payment-intent", { orderId: "wx-1030", paymentIntentId: "pi_demo_wx1030", precondition: "not-a-token" })).rejects.toThrow("not a row preview token");
  });
});

describe("orders ledger", () => {
  it("serves stripe.reconcile against Supabase as against Firestore", async () => {
    const fresh = await shopDatabase();
    const fixture = await stripeFixture();
    const t = await testPortal({
      plugins: [supabase, stripe],
      config: {
        plugins: {
          stripe: { secretKey: fixture.config.secretKey, apiBase: fixture.sandbox.url, endpointSecrets: fixture.sandbox.endpointSecrets },
          supabase: { url: "http://127.0.0.1:1", serviceRoleKey: KEY, ...fresh.supabase, orders: {} },
        },
      },
    });
    try {
      const { registry } = t.portal;
      const ledger = registry.services.get(ordersRef)!;
      expect(await ledger.findByPaymentIntent("pi_demo_wx1040")).toMatchObject({ id: "wx-1040", status: "delivered", amount: 72_000, currency: "usd" });
      expect(await ledger.findById("wx-nope")).toBeNull();
      const reconcile = registry.actions.get("stripe.reconcile")!.def;
      const result = await reconcile.run(reconcile.input.parse({ window: "7d" }), actionContext());
      const rows = result.rows as { class: string; order: string; fixes: { actionId: string; input: Record<string, unknown> }[] }[];
      // The same three findings as the Firestore ledger gives for this shop.
      expect(rows.map((r) => [r.class, r.order])).toEqual([
        ["paid_no_order", "wx-1035"],
        ["order_paid_no_payment", "wx-1030"],
        ["transfer_order_not_completed", "wx-1046"],
      ]);
      for (const fix of rows.flatMap((r) => r.fixes)) {
        const target = registry.actions.get(fix.actionId);
        if (!fix.actionId.startsWith("supabase.")) continue;
        expect(target, fix.actionId).toBeDefined();
        const shape = (target!.def.input as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
        for (const [key, value] of Object.entries(fix.input)) expect(shape[key]?.safeParse(value).success, `${fix.actionId} ${key}`).toBe(true);
      }
      const byPi = await reconcile.run(reconcile.input.parse({ paymentIntentId: "pi_demo_wx1031" }), actionContext());
      expect((byPi.rows as unknown[]).length).toBe(0);
    } finally {
      await t.cleanup();
      await fixture.stop();
      await fresh.drop();
    }
  });
});
