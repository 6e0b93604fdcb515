import { z } from "zod";
import { ActionInputError } from "../../plugin-api";
import type { FirestoreClient } from "../client.server";
import type { OrdersLedgerConfig } from "../config";
import { getPath } from "../query";
import { abortable } from "../util";
import { documentFix, OrderIdSchema } from "./document-fix";

/** Writes the Stripe payment intent an order was paid with, when the webhook never recorded it. */
export function setPaymentIntent(client: FirestoreClient, orders: OrdersLedgerConfig) {
  const field = orders.fields.paymentIntent;
  return documentFix(client, {
    id: "set-payment-intent",
    title: "Set an order's payment intent",
    description: `Writes ${field} on one order, refusing an id another order already holds.`,
    input: z.object({
      orderId: OrderIdSchema,
      paymentIntentId: z.string().regex(/^pi_[A-Za-z0-9_]+$/, "a Stripe payment intent id (pi_…)").describe("Stripe payment intent id (pi_…)"),
    }),
    path: (i) => `${orders.collection}/${i.orderId}`,
    async conflict(i, c, signal) {
      const snap = await abortable(c.db.collection(orders.collection).where(field, "==", i.paymentIntentId).limit(2).get(), signal);
      const other = snap.docs.find((d) => d.id !== i.orderId);
      return other ? `${i.paymentIntentId} already belongs to ${orders.collection}/${other.id}: refusing to attach it to a second order` : null;
    },
    change(current, i) {
      const was = getPath(current, field);
      if (was === i.paymentIntentId) throw new ActionInputError(`order ${i.orderId} already has ${field} ${i.paymentIntentId}: nothing to change`);
      return { update: { [field]: i.paymentIntentId }, summary: `${field} ${JSON.stringify(was ?? null)} → "${i.paymentIntentId}"` };
    },
  });
}
