import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import firestore from "../../plugins/firestore";
import stripe from "../../plugins/stripe";
import { actionContext } from "../../plugins/stripe/test-helpers";
import { testPortal } from "../helpers/portal";

// Demo mode with the real neighbours: the Stripe sandbox and the firestore plugin's emulator
// seeded with the same shop. Reconciliation goes through the `orders` service firestore provides.
let t: Awaited<ReturnType<typeof testPortal>>;
beforeAll(async () => {
  t = await testPortal({ plugins: [firestore, stripe] });
});
afterAll(() => t.cleanup());

it("reconciles the demo shop: one row per seed class, each fix a registered action with valid input", async () => {
  const { registry } = t.portal;
  const reconcile = registry.actions.get("stripe.reconcile")!.def;
  const result = await reconcile.run(reconcile.input.parse({ window: "7d" }), actionContext());
  const rows = result.rows as { class: string; order: string; fixes: { actionId: string; input: Record<string, unknown> }[] }[];
  expect(rows.map((r) => [r.class, r.order])).toEqual([
    ["paid_no_order", "wx-1035"],
    ["order_paid_no_payment", "wx-1030"],
    ["transfer_order_not_completed", "wx-1046"],
  ]);
  for (const fix of rows.flatMap((r) => r.fixes)) {
    const target = registry.actions.get(fix.actionId);
    expect(target, fix.actionId).toBeDefined();
    // A preset may leave a field for the operator (e.g. the payment intent to set), never a wrong one.
    const shape = (target!.def.input as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
    for (const [key, value] of Object.entries(fix.input)) {
      expect(shape[key]?.safeParse(value).success, `${fix.actionId} ${key}=${JSON.stringify(value)}`).toBe(true);
    }
  }
  const complete = rows[2].fixes.find((f) => f.actionId === "firestore.set-order-status" && f.input.status === "completed");
  expect(complete?.input).toMatchObject({ orderId: "wx-1046", transferId: "tr_demo_wx1046" });
});
