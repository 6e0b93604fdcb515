// Shared by this plugin's tests: a sandbox with the real SDK pointed at it, and an in-memory
// orders ledger seeded with the orders a shop would hold next to the sandbox's payments.
import type { ActionContext, ProbeContext } from "../plugin-api";
import type { OrderRecord, OrdersLedger } from "../orders-api";
import { StripeGateway } from "./client.server";
import { StripeConfigSchema, type StripeConfig } from "./config";
import { startStripeSandbox, type StripeSandbox } from "./sandbox";
import { shopCatalog } from "../../tests/helpers/shop";

export const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

export async function stripeFixture(): Promise<{ sandbox: StripeSandbox; config: StripeConfig; gateway: StripeGateway; stop(): Promise<void> }> {
  const sandbox = await startStripeSandbox({ catalog: shopCatalog });
  const config = StripeConfigSchema.parse({ secretKey: sandbox.secretKey, apiBase: sandbox.url, endpointSecrets: sandbox.endpointSecrets });
  return { sandbox, config, gateway: new StripeGateway(config), stop: () => sandbox.stop() };
}

export function probeContext(now = new Date()): ProbeContext {
  return { signal: new AbortController().signal, log: silentLog, now: () => now };
}

export function actionContext(overrides: Partial<ActionContext> = {}): ActionContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    runId: "run_test",
    actor: { username: "admin", roles: ["admin"] },
    idempotencyKey: `key-${Math.random().toString(36).slice(2)}`,
    signal: new AbortController().signal,
    log: (m: string) => lines.push(m),
    progress: () => {},
    lines,
    ...overrides,
  };
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * The Wildlife Exchange orders next to the sandbox's payments (the same shop the firestore
 * plugin's sandbox seeds): most agree with Stripe; wx-1035 is missing (paid, never created),
 * wx-1030 is "paid" with no Stripe payment, and wx-1046 was paid out while still "delivered".
 */
export function seededOrders(): OrderRecord[] {
  const o = (id: string, status: string, amount: number, email: string, paidAgo: number, extra: Partial<OrderRecord> = {}): OrderRecord => ({
    id,
    status,
    paymentIntentId: `pi_demo_${id.replace("-", "")}`,
    amount,
    currency: "usd",
    customerEmail: email,
    createdAt: ago(paidAgo + 2 * MIN),
    paidAt: ago(paidAgo),
    ...extra,
  });
  return [
    ...[45_000, 12_500, 89_900, 31_000].map((amount, k) =>
      o(`wx-100${k + 1}`, "completed", amount, `buyer${k + 1}@example.com`, (20 - k - 1) * DAY + 5 * MIN, { transferId: `tr_demo_wx100${k + 1}`, completedAt: ago((13 - k - 1) * DAY) }),
    ),
    o("wx-1030", "paid", 18_000, "ranch.supply@example.com", 2 * DAY - 3 * MIN, { paymentIntentId: null }),
    o("wx-1031", "paid", 64_000, "m.ortega@example.com", 12 * MIN),
    o("wx-1032", "paid", 27_500, "hollis.farms@example.com", 47 * MIN),
    o("wx-1033", "paid", 152_000, "j.whitfield@example.com", 3 * HOUR),
    o("wx-1034", "paid", 9_900, "new.buyer@example.com", 3 * MIN),
    o("wx-1040", "delivered", 72_000, "buyer40@example.com", 9 * DAY - 4 * MIN),
    o("wx-1041", "delivered", 38_500, "buyer41@example.com", 10 * DAY - 4 * MIN),
    o("wx-1042", "delivered", 240_000, "buyer42@example.com", 12 * DAY - 6 * MIN),
    o("wx-1043", "delivered", 56_000, "buyer43@example.com", 11 * DAY - 2 * MIN),
    o("wx-1044", "delivered", 33_000, "buyer44@example.com", 4 * DAY - 3 * MIN),
    o("wx-1045", "confirmed", 21_000, "buyer45@example.com", 3 * DAY - 2 * MIN),
    o("wx-1046", "delivered", 47_500, "buyer46@example.com", 15 * DAY - 4 * MIN),
  ];
}

/** An OrdersLedger over an array, the way the firestore and supabase ledgers answer. */
export function memoryLedger(orders: OrderRecord[]): OrdersLedger & { orders: OrderRecord[] } {
  return {
    orders,
    async listOrders({ from, to }) {
      return orders.filter((o) => o.createdAt && new Date(o.createdAt) >= from && new Date(o.createdAt) < to);
    },
    async findByPaymentIntent(id) {
      return orders.find((o) => o.paymentIntentId === id) ?? null;
    },
    async findById(id) {
      return orders.find((o) => o.id === id) ?? null;
    },
    fixActions(order) {
      const fixes: { actionId: string; label: string; input: Record<string, unknown> }[] = [];
      if (order.status !== "completed") {
        fixes.push({ actionId: "ledger.set-order-status", label: "Mark completed", input: { orderId: order.id, status: "completed", ...(order.transferId ? { transferId: order.transferId } : {}) } });
        fixes.push({ actionId: "ledger.set-order-status", label: "Mark cancelled", input: { orderId: order.id, status: "cancelled" } });
      }
      fixes.push({ actionId: "ledger.set-payment-intent", label: "Set payment intent", input: { orderId: order.id } });
      return fixes;
    },
  };
}
