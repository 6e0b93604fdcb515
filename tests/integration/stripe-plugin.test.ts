import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { definePlugin, provide } from "../../plugins/plugin-api";
import { ordersRef, type OrdersLedger } from "../../plugins/orders-api";
import stripe from "../../plugins/stripe";
import { startStripeSandbox, type StripeSandbox } from "../../plugins/stripe/sandbox";
import { actionContext, memoryLedger, probeContext, seededOrders } from "../../plugins/stripe/test-helpers";
import { probeEngine } from "~/core/probes/service.server";
import { testPortal } from "../helpers/portal";
import { shopCatalog } from "../helpers/shop";

// A ledger plugin for the test: provides the `orders` service the way firestore/supabase do.
const ledgerPlugin = definePlugin({
  id: "ledger",
  title: "Test orders ledger",
  config: z.object({}),
  provides: [ordersRef],
  async demo() {
    return { config: {}, stop: async () => {} };
  },
  setup() {
    return { provides: provide(ordersRef, memoryLedger(seededOrders()) satisfies OrdersLedger) };
  },
});

describe("stripe plugin in a portal (demo mode: its own sandbox)", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({ plugins: [ledgerPlugin, stripe] });
  });
  afterAll(() => t.cleanup());

  it("registers its probes and actions with their risks", () => {
    const { registry } = t.portal;
    expect(registry.plugins.find((p) => p.id === "stripe")).toMatchObject({ demo: true });
    expect([...registry.probes.keys()].filter((k) => k.startsWith("stripe.")).sort()).toEqual([
      "stripe.open-disputes", "stripe.payment-failure-rate", "stripe.refund-volume", "stripe.webhook-backlog", "stripe.webhook-endpoints",
    ]);
    const risks = Object.fromEntries([...registry.actions.values()].filter((a) => a.pluginId === "stripe").map((a) => [a.id, a.risk]));
    expect(risks).toEqual({ "stripe.reconcile": "low", "stripe.resend-event": "high", "stripe.refund": "critical", "stripe.recheck-payment": "low" });
    expect(registry.actions.get("stripe.refund")!.def.rateLimit).toEqual({ max: 1, per: "10m" });
  });

  it("reads every probe from the demo sandbox", async () => {
    const read = (id: string) => t.portal.registry.probes.get(id)!.def.read(probeContext());
    expect((await read("stripe.webhook-endpoints")).value).toBe(1);
    expect((await read("stripe.webhook-backlog")).value).toBe(10);
    expect((await read("stripe.payment-failure-rate")).value).toBe(50);
    expect((await read("stripe.open-disputes")).value).toBe(1);
    expect((await read("stripe.refund-volume")).value).toBe(4);
  });

  it("reconciles against the orders service another plugin provides, and its fixes are real actions", async () => {
    const reconcile = t.portal.registry.actions.get("stripe.reconcile")!.def;
    const result = await reconcile.run(reconcile.input.parse({ window: "7d" }), actionContext());
    const rows = result.rows as { class: string; fixes: { actionId: string; input: Record<string, unknown> }[] }[];
    expect(rows.map((r) => r.class)).toEqual(["paid_no_order", "order_paid_no_payment", "transfer_order_not_completed"]);
    for (const fix of rows.flatMap((r) => r.fixes).filter((f) => f.actionId.startsWith("stripe."))) {
      const target = t.portal.registry.actions.get(fix.actionId);
      expect(target, fix.actionId).toBeDefined();
      expect(target!.def.input.safeParse(fix.input).success, fix.actionId).toBe(true);
    }
    // Demo mode: the endpoint points at the demo world's shop, which still holds the signing secret
    // from before the rotation, so the resend is refused exactly as the seed's deliveries are.
    const resend = rows.flatMap((r) => r.fixes).find((f) => f.actionId === "stripe.resend-event")!;
    const def = t.portal.registry.actions.get("stripe.resend-event")!.def;
    await expect(def.run(def.input.parse(resend.input), actionContext())).rejects.toThrow(/\/api\/stripe\/webhook answered 400: .*Webhook signature verification failed/);
  });
});

describe("stripe plugin configured with a wrong key", () => {
  let sandbox: StripeSandbox;
  let t: Awaited<ReturnType<typeof testPortal>>;
  const wrongKey = "sk_test_51PortalWrongKey000000000000zzzz";
  beforeAll(async () => {
    sandbox = await startStripeSandbox({ catalog: shopCatalog });
    t = await testPortal({ config: { plugins: { stripe: { secretKey: "${STRIPE_KEY}", apiBase: sandbox.url } } }, env: { STRIPE_KEY: wrongKey } });
  });
  afterAll(async () => {
    await t.cleanup();
    await sandbox.stop();
  });

  it("every probe read fails with 'authentication failed' and the key appears nowhere", async () => {
    expect(t.portal.config.secretValues).toContain(wrongKey);
    for (const [id, p] of t.portal.registry.probes) {
      if (!id.startsWith("stripe.")) continue;
      const err = await p.def.read(probeContext()).catch((e: Error) => e);
      expect((err as Error).message, id).toBe("authentication failed");
      expect(JSON.stringify(err) + String((err as Error).stack)).not.toContain(wrongKey);
    }
  });

  it("through the probe engine: status unknown, error 'authentication failed', the key in no reading", async () => {
    const engine = probeEngine(t.portal);
    for (const id of ["stripe.webhook-endpoints", "stripe.webhook-backlog", "stripe.payment-failure-rate", "stripe.open-disputes", "stripe.refund-volume"]) {
      const reading = await engine.reading(id);
      expect(reading.status, id).toBe("unknown");
      expect(reading.value, id).toBeNull();
      expect(reading.error, id).toMatch(/authentication failed/);
      expect(JSON.stringify(reading)).not.toContain(wrongKey);
    }
  });

  it("a config without a proper key stops the start naming the key", async () => {
    await expect(testPortal({ config: { plugins: { stripe: { secretKey: "pk_test_123" } } } })).rejects.toThrow(/plugins\.stripe\.secretKey/);
  });
});
