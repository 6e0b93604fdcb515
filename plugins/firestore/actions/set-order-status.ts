import { z } from "zod";
import { ActionInputError } from "../../plugin-api";
import type { FirestoreClient } from "../client.server";
import type { OrdersLedgerConfig } from "../config";
import { getPath } from "../query";
import { documentFix, nowTimestamp, OrderIdSchema } from "./document-fix";

/** Sets one order's status: e.g. cancelled, or completed with the Stripe transfer that paid the seller. */
export function setOrderStatus(client: FirestoreClient, orders: OrdersLedgerConfig) {
  const f = orders.fields;
  const input = z
    .object({
      orderId: OrderIdSchema,
      status: z.enum(orders.settableStatuses as [string, ...string[]]).describe("New status"),
      transferId: z.string().regex(/^tr_[A-Za-z0-9_]+$/, "a Stripe transfer id (tr_…)").optional().describe("Stripe transfer id (tr_…), only for completed"),
    })
    .superRefine((v, ctx) => {
      if (v.status === "completed" && !v.transferId) ctx.addIssue({ code: "custom", path: ["transferId"], message: "completed needs the Stripe transfer id (tr_…)" });
      if (v.status !== "completed" && v.transferId) ctx.addIssue({ code: "custom", path: ["transferId"], message: "only a completed order takes a transfer id" });
    });
  return documentFix(client, {
    id: "set-order-status",
    title: "Set an order's status",
    description: `Writes ${f.status} on one order (completed also writes ${f.transferId} and ${f.completedAt}). One document, with a precondition on its update time.`,
    input,
    path: (i) => `${orders.collection}/${i.orderId}`,
    change(current, i, { now }) {
      const was = getPath(current, f.status);
      if (was === i.status && (i.status !== "completed" || getPath(current, f.transferId) === i.transferId)) {
        throw new ActionInputError(`order ${i.orderId} is already ${i.status}: nothing to change`);
      }
      const update: Record<string, unknown> = { [f.status]: i.status };
      if (i.status === "completed") {
        update[f.transferId] = i.transferId;
        update[f.completedAt] = nowTimestamp(now);
      }
      const hold = getPath(current, f.adminHold) === true ? " — note: the order is on admin hold" : "";
      return { update, summary: `status ${JSON.stringify(was ?? null)} → "${i.status}"${i.transferId ? ` with ${i.transferId}` : ""}${hold}` };
    },
  });
}
