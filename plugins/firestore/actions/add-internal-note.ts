import { z } from "zod";
import { ActionInputError } from "../../plugin-api";
import type { FirestoreClient } from "../client.server";
import type { OrdersLedgerConfig } from "../config";
import { getPath } from "../query";
import { documentFix, nowTimestamp, OrderIdSchema } from "./document-fix";

/** Appends an internal note (text, author, time) to one order's notes list. */
export function addInternalNote(client: FirestoreClient, orders: OrdersLedgerConfig) {
  const field = orders.fields.notes;
  return documentFix(client, {
    id: "add-internal-note",
    title: "Write an internal note on an order",
    description: `Appends {text, by, at} to ${field} on one order; staff-only, never shown to buyers or sellers.`,
    input: z.object({ orderId: OrderIdSchema, note: z.string().trim().min(3, "write at least a few words").max(2000).describe("Note (staff only)") }),
    path: (i) => `${orders.collection}/${i.orderId}`,
    change(current, i, { actor, now }) {
      const existing = getPath(current, field);
      if (existing !== undefined && existing !== null && !Array.isArray(existing)) throw new ActionInputError(`${field} on order ${i.orderId} is not a list: refusing to overwrite it`);
      const notes = Array.isArray(existing) ? existing : [];
      return {
        update: { [field]: [...notes, { text: i.note, by: actor.username, at: nowTimestamp(now) }] },
        summary: `note #${notes.length + 1} by ${actor.username}: "${i.note.length > 80 ? `${i.note.slice(0, 77)}…` : i.note}"`,
      };
    },
  });
}
