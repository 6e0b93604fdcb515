// The `orders` service: the app's orders collection seen through a field mapping.
import type { OrderRecord, OrdersLedger } from "../orders-api";
import type { DocumentSnapshot, FirestoreClient } from "./client.server";
import type { OrdersLedgerConfig } from "./config";
import { getPath, timeValue, toIso } from "./query";
import { abortable } from "./util";

export const PLUGIN_ID = "firestore";

export function orderRecord(doc: DocumentSnapshot, cfg: OrdersLedgerConfig): OrderRecord {
  const data = doc.data() ?? {};
  const f = cfg.fields;
  const str = (path: string) => {
    const v = getPath(data, path);
    return v === undefined || v === null || v === "" ? null : String(v);
  };
  const rawAmount = getPath(data, f.amount);
  const amount = typeof rawAmount === "number" && Number.isFinite(rawAmount) ? (cfg.amountUnit === "major" ? Math.round(rawAmount * 100) : rawAmount) : null;
  const currency = str(f.currency);
  return {
    id: doc.id,
    status: str(f.status) ?? "unknown",
    paymentIntentId: str(f.paymentIntent),
    amount,
    currency: currency ? currency.toLowerCase() : null,
    customerEmail: str(f.customerEmail),
    transferId: str(f.transferId),
    createdAt: toIso(getPath(data, f.createdAt)),
    paidAt: toIso(getPath(data, f.paidAt)),
    completedAt: toIso(getPath(data, f.completedAt)),
  };
}

export interface FixAction {
  actionId: string;
  label: string;
  input: Record<string, unknown>;
}

/** The single-document fixes that apply to one order, with their input preset. */
export function orderFixActions(order: OrderRecord, cfg: OrdersLedgerConfig): FixAction[] {
  const out: FixAction[] = [];
  const can = (s: string) => cfg.settableStatuses.includes(s);
  const closed = ["completed", "cancelled", "refunded"].includes(order.status);
  if (!closed && can("completed")) {
    out.push({
      actionId: `${PLUGIN_ID}.set-order-status`,
      label: "Mark completed (with transfer id)",
      input: { orderId: order.id, status: "completed", ...(order.transferId ? { transferId: order.transferId } : {}) },
    });
  }
  if (!closed && can("cancelled")) out.push({ actionId: `${PLUGIN_ID}.set-order-status`, label: "Mark cancelled", input: { orderId: order.id, status: "cancelled" } });
  out.push({
    actionId: `${PLUGIN_ID}.set-payment-intent`,
    label: "Set stripePaymentIntentId",
    input: { orderId: order.id, ...(order.paymentIntentId ? { paymentIntentId: order.paymentIntentId } : {}) },
  });
  out.push({ actionId: `${PLUGIN_ID}.toggle-admin-hold`, label: "Toggle admin hold", input: { orderId: order.id } });
  out.push({ actionId: `${PLUGIN_ID}.add-internal-note`, label: "Write an internal note", input: { orderId: order.id } });
  return out;
}

export function createOrdersLedger(client: FirestoreClient, cfg: OrdersLedgerConfig, log?: { warn(o: unknown, m?: string): void }): OrdersLedger {
  const orders = () => client.db.collection(cfg.collection);
  return {
    async listOrders({ from, to }, signal) {
      const created = cfg.fields.createdAt;
      const snap = await abortable(
        orders()
          .where(created, ">=", timeValue(from, cfg.timestampType))
          .where(created, "<", timeValue(to, cfg.timestampType))
          .orderBy(created, "asc")
          .limit(cfg.maxOrders)
          .get(),
        signal,
      );
      if (snap.size >= cfg.maxOrders) log?.warn({ from, to, maxOrders: cfg.maxOrders }, "orders ledger: range hit maxOrders; the list is cut short");
      return snap.docs.map((d) => orderRecord(d, cfg));
    },
    async findByPaymentIntent(paymentIntentId, signal) {
      const snap = await abortable(orders().where(cfg.fields.paymentIntent, "==", paymentIntentId).limit(1).get(), signal);
      return snap.empty ? null : orderRecord(snap.docs[0], cfg);
    },
    async findById(orderId, signal) {
      if (!orderId || orderId.includes("/")) return null;
      const snap = await abortable(orders().doc(orderId).get(), signal);
      return snap.exists ? orderRecord(snap, cfg) : null;
    },
    fixActions(order) {
      return orderFixActions(order, cfg);
    },
  };
}
