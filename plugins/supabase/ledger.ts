// The `orders` service: the orders table seen through a column mapping, read in read-only transactions.
import type { OrderRecord, OrdersLedger } from "../orders-api";
import type { OrdersMapping } from "./config";
import { qi } from "./ident";
import type { SqlRunner } from "./sql";

export const PLUGIN_ID = "supabase";

const iso = (v: unknown): string | null => {
  if (v === null || v === undefined || v === "") return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
};
const str = (v: unknown): string | null => (v === null || v === undefined || v === "" ? null : String(v));

export function orderSelect(m: OrdersMapping): string {
  const c = m.columns;
  const pick: [string, string][] = [
    ["id", c.id],
    ["status", c.status],
    ["payment_intent", c.paymentIntent],
    ["amount", c.amount],
    ["currency", c.currency],
    ["customer_email", c.customerEmail],
    ["transfer_id", c.transferId],
    ["created_at", c.createdAt],
    ["paid_at", c.paidAt],
    ["completed_at", c.completedAt],
  ];
  return `select ${pick.map(([as, col]) => `${qi(col)} as ${as}`).join(", ")} from ${qi(m.table)}`;
}

export function orderRecord(row: Record<string, unknown>, m: OrdersMapping): OrderRecord {
  const raw = row.amount === null || row.amount === undefined ? null : Number(row.amount);
  const amount = raw === null || !Number.isFinite(raw) ? null : m.amountUnit === "major" ? Math.round(raw * 100) : raw;
  const currency = str(row.currency);
  return {
    id: String(row.id),
    status: str(row.status) ?? "unknown",
    paymentIntentId: str(row.payment_intent),
    amount,
    currency: currency ? currency.toLowerCase() : null,
    customerEmail: str(row.customer_email),
    transferId: str(row.transfer_id),
    createdAt: iso(row.created_at),
    paidAt: iso(row.paid_at),
    completedAt: iso(row.completed_at),
  };
}

export function orderFixActions(order: OrderRecord, m: OrdersMapping): { actionId: string; label: string; input: Record<string, unknown> }[] {
  const out: { actionId: string; label: string; input: Record<string, unknown> }[] = [];
  if (order.status === m.paidStatus && order.paymentIntentId) {
    out.push({ actionId: `${PLUGIN_ID}.confirm-order`, label: `Mark ${m.confirmedStatus} (after verifying the payment)`, input: { orderId: order.id, paymentIntentId: order.paymentIntentId } });
  }
  out.push({
    actionId: `${PLUGIN_ID}.set-payment-intent`,
    label: `Set ${m.columns.paymentIntent}`,
    input: { orderId: order.id, ...(order.paymentIntentId ? { paymentIntentId: order.paymentIntentId } : {}) },
  });
  return out;
}

export function createOrdersLedger(runner: SqlRunner, m: OrdersMapping, log?: { warn(o: unknown, msg?: string): void }): OrdersLedger {
  const base = orderSelect(m);
  const one = async (where: string, value: string, signal?: AbortSignal) => {
    const res = await runner.readOnly((q) => q(`${base} where ${where} = $1 limit 1`, [value], 1), { signal });
    return res.rows[0] ? orderRecord(res.rows[0], m) : null;
  };
  return {
    async listOrders({ from, to }, signal) {
      const created = qi(m.columns.createdAt);
      const res = await runner.readOnly((q) => q(`${base} where ${created} >= $1 and ${created} < $2 order by ${created}`, [from, to], m.maxOrders), { signal, maxRows: m.maxOrders });
      if (res.truncated) log?.warn({ from, to, maxOrders: m.maxOrders }, "orders ledger: range hit maxOrders; the list is cut short");
      return res.rows.map((r) => orderRecord(r, m));
    },
    findByPaymentIntent: (paymentIntentId, signal) => one(qi(m.columns.paymentIntent), paymentIntentId, signal),
    findById: (orderId, signal) => (orderId ? one(`${qi(m.columns.id)}::text`, orderId, signal) : Promise.resolve(null)),
    fixActions: (order) => orderFixActions(order, m),
  };
}
