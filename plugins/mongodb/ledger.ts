// The `orders` service: the orders collection seen through a field mapping, read through the driver.
import type { Db, Document } from "mongodb";
import type { OrderRecord, OrdersLedger } from "../orders-api";
import type { OrdersMapping } from "./config";
import { plainValue } from "./run-query";

const get = (doc: Document, path: string): unknown => path.split(".").reduce<unknown>((cur, k) => (cur && typeof cur === "object" ? (cur as Record<string, unknown>)[k] : undefined), doc);
const str = (v: unknown): string | null => (v === null || v === undefined || v === "" ? null : String(plainValue(v)));
const iso = (v: unknown): string | null => {
  if (v === null || v === undefined || v === "") return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
};

export function orderRecord(doc: Document, m: OrdersMapping): OrderRecord {
  const f = m.fields;
  const raw = get(doc, f.amount);
  const n = raw === null || raw === undefined ? null : Number(plainValue(raw));
  const amount = n === null || !Number.isFinite(n) ? null : m.amountUnit === "major" ? Math.round(n * 100) : n;
  const currency = str(get(doc, f.currency));
  return {
    id: str(get(doc, f.id)) ?? "",
    status: str(get(doc, f.status)) ?? "unknown",
    paymentIntentId: str(get(doc, f.paymentIntent)),
    amount,
    currency: currency ? currency.toLowerCase() : null,
    customerEmail: str(get(doc, f.customerEmail)),
    transferId: str(get(doc, f.transferId)),
    createdAt: iso(get(doc, f.createdAt)),
    paidAt: iso(get(doc, f.paidAt)),
    completedAt: iso(get(doc, f.completedAt)),
  };
}

export function createOrdersLedger(db: Db, m: OrdersMapping, opts: { maxTimeMS: number; fixable: string[] }, log?: { warn(o: unknown, msg?: string): void }): OrdersLedger {
  const coll = () => db.collection(m.collection);
  const one = async (filter: Document) => {
    const doc = await coll().findOne(filter, { maxTimeMS: opts.maxTimeMS });
    return doc ? orderRecord(doc, m) : null;
  };
  return {
    async listOrders({ from, to }) {
      const docs = await coll()
        .find({ [m.fields.createdAt]: { $gte: from, $lt: to } }, { maxTimeMS: opts.maxTimeMS, limit: m.maxOrders, sort: { [m.fields.createdAt]: 1 } })
        .toArray();
      if (docs.length >= m.maxOrders) log?.warn({ from, to, maxOrders: m.maxOrders }, "orders ledger: range hit maxOrders; the list is cut short");
      return docs.map((d) => orderRecord(d, m));
    },
    findByPaymentIntent: (paymentIntentId) => one({ [m.fields.paymentIntent]: paymentIntentId }),
    findById: (orderId) => (orderId ? one({ [m.fields.id]: orderId }) : Promise.resolve(null)),
    fixActions(order) {
      if (!opts.fixable.includes(m.fields.status) || order.status !== "paid") return [];
      return [{ actionId: "mongodb.fix-document", label: "Mark confirmed (after verifying the payment)", input: { collection: m.collection, id: order.id, set: { [m.fields.status]: "confirmed" }, expect: { [m.fields.status]: "paid" } } }];
    },
  };
}
