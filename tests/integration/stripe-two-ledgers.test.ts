import { afterAll, beforeAll, expect, it } from "vitest";
import firestore from "../../plugins/firestore";
import { ordersRef } from "../../plugins/orders-api";
import stripe from "../../plugins/stripe";
import supabase from "../../plugins/supabase";
import { actionContext } from "../../plugins/stripe/test-helpers";
import { testPortal } from "../helpers/portal";

// Demo mode with both ledgers of the shop: the firestore emulator and the shop's Postgres through
// supabase. Both provide `orders`; both are kept, each named by its plugin, and reconcile's
// `ledger` input chooses which one Stripe is compared with.
let t: Awaited<ReturnType<typeof testPortal>>;
beforeAll(async () => {
  t = await testPortal({ plugins: [firestore, supabase, stripe] });
}, 180_000);
afterAll(() => t?.cleanup());

type Row = { class: string; order: string; fixes: { actionId: string }[] };

it("Firestore and Supabase ledgers configured together: reconciliation runs against each", async () => {
  const { registry } = t.portal;
  expect(registry.services.all(ordersRef).map((l) => l.pluginId).sort()).toEqual(["firestore", "supabase"]);
  const reconcile = registry.actions.get("stripe.reconcile")!.def;
  for (const ledger of ["firestore", "supabase"]) {
    const result = await reconcile.run(reconcile.input.parse({ window: "7d", ledger }), actionContext());
    const data = result.data as { ledger: string; checked: { orders: number }; scope: string };
    expect(data.ledger).toBe(ledger);
    expect(data.scope).toContain(`${ledger}'s ledger`);
    // The orders came from that ledger: as many as it lists for the window, and its own fixes.
    const listed = await registry.services.get(ordersRef, ledger)!.listOrders({ from: new Date(Date.now() - 7 * 86_400_000), to: new Date(Date.now() + 1000) });
    expect(data.checked.orders).toBe(listed.length);
    expect(data.checked.orders).toBeGreaterThan(0);
    const fixes = (result.rows as Row[]).flatMap((r) => r.fixes.map((f) => f.actionId)).filter((id) => !id.startsWith("stripe."));
    expect(fixes.length, `${ledger}: ledger fixes offered`).toBeGreaterThan(0);
    for (const id of fixes) expect(id.startsWith(`${ledger}.`), id).toBe(true);
  }
  // An unknown ledger is bad input naming the configured ones, not a silent fallback.
  const refused = await reconcile.preview!(reconcile.input.parse({ ledger: "mongodb" }), { signal: new AbortController().signal, actor: { username: "r", roles: ["responder"] } }).catch((e) => e);
  expect(refused.status).toBe(400);
  expect(refused.fieldErrors).toEqual({ ledger: ["one of firestore, supabase"] });
}, 120_000);
