// The `orders` ledger: one contract several plugins provide (firestore, supabase, mongodb) and
// stripe consumes to reconcile against. Not a plugin: a shared contract beside plugin-api.ts, so
// no provider imports another provider (docs/decisions/0026-typed-service-refs.md).
// No side effects and no SDKs.
import { createServiceRef, type Link } from "./plugin-api";

/** One order as every ledger reports it. */
export interface OrderRecord {
  id: string;
  status: string;
  paymentIntentId?: string | null;
  amount?: number | null;
  currency?: string | null;
  customerEmail?: string | null;
  transferId?: string | null;
  createdAt?: string | null;
  paidAt?: string | null;
  completedAt?: string | null;
  fixLinks?: Link[];
}

export interface OrdersLedger {
  /** Orders created in [from, to). */
  listOrders(range: { from: Date; to: Date }, signal?: AbortSignal): Promise<OrderRecord[]>;
  findByPaymentIntent(paymentIntentId: string, signal?: AbortSignal): Promise<OrderRecord | null>;
  findById(orderId: string, signal?: AbortSignal): Promise<OrderRecord | null>;
  /** Action ids (with preset input) that fix one order, for reconciliation links. */
  fixActions?(order: OrderRecord): { actionId: string; label: string; input: Record<string, unknown> }[];
}

/** Orders ledgers, one per providing plugin (each named by its plugin id); consumers choose. */
export const ordersRef = createServiceRef<OrdersLedger>({ id: "orders", multiple: true });
