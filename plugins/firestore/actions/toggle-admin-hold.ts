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
    description: `Flips ${field} on one order (or sets it to the value given). Auto-release never releases an order on hold.`,
    input: z.object({
      orderId: OrderIdSchema,
      hold: z.boolean().optional().describe("leave empty to flip the current value"),
      reason: z.string().trim().max(500).optional(),
    }),
    path: (i) => `${orders.collection}/${i.orderId}`,
    change(current, i) {
      const was = getPath(current, field) === true;
      const next = i.hold ?? !was;
      if (next === was && i.hold !== undefined) throw new Error(`order ${i.orderId} is already ${was ? "on" : "off"} hold: nothing to change`);
      const update: Record<string, unknown> = { [field]: next };
      if (i.reason) update[`${field}Reason`] = i.reason;
      return { update, summary: `${field} ${was} → ${next}${i.reason ? ` (${i.reason})` : ""}` };
    },
  });
}
