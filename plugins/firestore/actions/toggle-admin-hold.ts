import { z } from "zod";
import type { FirestoreClient } from "../client.server";
import type { OrdersLedgerConfig } from "../config";
import { getPath } from "../query";
import { documentFix, OrderIdSchema } from "./document-fix";

/** Puts one order on admin hold (auto-release skips it) or takes it off. */
export function toggleAdminHold(client: FirestoreClient, orders: OrdersLedgerConfig) {
  const field = orders.fields.adminHold;
  return documentFix(client, {
    id: "toggle-admin-hold",
    title: "Toggle an order's admin hold",
    description: `Flips ${field} on one order; the preview shows which way. Auto-release never releases an order on hold.`,
    input: z.object({
      orderId: OrderIdSchema,
      reason: z.string().trim().max(500).optional().describe("Reason (kept on the order as adminHoldReason)"),
    }),
    path: (i) => `${orders.collection}/${i.orderId}`,
    change(current, i) {
      const was = getPath(current, field) === true;
      // A toggle, not a set: the preview shows the direction and the precondition pins it.
      const next = !was;
      const update: Record<string, unknown> = { [field]: next };
      if (i.reason) update[`${field}Reason`] = i.reason;
      return { update, summary: `${field} ${was} → ${next}${i.reason ? ` (${i.reason})` : ""}` };
    },
  });
}
