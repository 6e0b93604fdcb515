// Single-order fixes on the mapped orders table.
import type pg from "pg";
import { z } from "zod";
import { ActionInputError } from "../../plugin-api";
import type { OrdersMapping } from "../config";
import { qi } from "../ident";
import { rowFix, RowIdSchema } from "./row-fix";

const PaymentIntentSchema = z.string().trim().regex(/^pi_[A-Za-z0-9_]+$/, "a Stripe payment intent id (pi_…)");

/** Marks one paid order confirmed, once the operator has verified its payment in Stripe. */
export function confirmOrder(pool: pg.Pool, timeoutMs: number, m: OrdersMapping) {
  const c = m.columns;
  return rowFix(pool, timeoutMs, {
    id: "confirm-order",
    title: `Mark an order ${m.confirmedStatus} after verification`,
    description: `For a paid order the webhook never confirmed: after checking the payment in Stripe (stripe.recheck-payment), sets ${c.status} "${m.paidStatus}" → "${m.confirmedStatus}" with ${c.confirmedAt} and ${c.webhookProcessedAt}. One row; refused if the row changed since the preview.`,
    input: z.object({
      orderId: RowIdSchema.describe("Order id (e.g. wx-1031)"),
      paymentIntentId: PaymentIntentSchema.describe("The payment intent you verified in Stripe (must be the order's)"),
    }),
    table: m.table,
    keyColumn: c.id,
    key: (i) => i.orderId,
    columns: [c.status, c.paymentIntent, c.confirmedAt, c.webhookProcessedAt, c.updatedAt],
    change(row, i, now) {
      if (row[c.status] !== m.paidStatus) throw new ActionInputError(`order ${i.orderId} is "${row[c.status]}", not "${m.paidStatus}": nothing to confirm`, { orderId: [`status is ${row[c.status]}`] });
      if (row[c.paymentIntent] !== i.paymentIntentId) {
        throw new ActionInputError(`order ${i.orderId} has payment intent ${JSON.stringify(row[c.paymentIntent] ?? null)}, not ${i.paymentIntentId}: verify the order's own payment first`, {
          paymentIntentId: ["is not this order's payment intent"],
        });
      }
      return {
        set: { [c.status]: m.confirmedStatus, [c.confirmedAt]: now, [c.webhookProcessedAt]: row[c.webhookProcessedAt] ?? now, [c.updatedAt]: now },
        summary: `status "${m.paidStatus}" → "${m.confirmedStatus}" (payment ${i.paymentIntentId} verified)`,
      };
    },
  });
}

/** Writes the Stripe payment intent an order was paid with, refusing one another order holds. */
export function setPaymentIntent(pool: pg.Pool, timeoutMs: number, m: OrdersMapping) {
  const c = m.columns;
  return rowFix(pool, timeoutMs, {
    id: "set-payment-intent",
    title: "Set an order's payment intent",
    description: `Writes ${c.paymentIntent} on one order, refusing an id another order already holds. One row; refused if the row changed since the preview.`,
    input: z.object({ orderId: RowIdSchema.describe("Order id (e.g. wx-1030)"), paymentIntentId: PaymentIntentSchema.describe("Stripe payment intent id (pi_…)") }),
    table: m.table,
    keyColumn: c.id,
    key: (i) => i.orderId,
    columns: [c.status, c.paymentIntent, c.updatedAt],
    async conflict(i, client) {
      const res = await client.query(`select ${qi(c.id)}::text as id from ${qi(m.table)} where ${qi(c.paymentIntent)} = $1 and ${qi(c.id)}::text <> $2 limit 1`, [i.paymentIntentId, i.orderId]);
      return res.rows[0] ? `${i.paymentIntentId} already belongs to order ${res.rows[0].id}: refusing to attach it to a second order` : null;
    },
    change(row, i, now) {
      if (row[c.paymentIntent] === i.paymentIntentId) throw new ActionInputError(`order ${i.orderId} already has ${i.paymentIntentId}: nothing to change`);
      return { set: { [c.paymentIntent]: i.paymentIntentId, [c.updatedAt]: now }, summary: `${c.paymentIntent} ${JSON.stringify(row[c.paymentIntent] ?? null)} → "${i.paymentIntentId}"` };
    },
  });
}
