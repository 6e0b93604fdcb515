import { z } from "zod";
import { action, ActionInputError } from "../../plugin-api";
import type { OrdersLedger } from "../../orders-api";
import { StripeFailure, type StripeGateway } from "../client.server";
import { formatAmount, isoFromSeconds } from "../format";
import { reconcile, reportSummary } from "./reconcile";

export const RecheckPaymentInputSchema = z
  .object({
    paymentIntentId: z
      .string()
      .trim()
      .regex(/^(pi|ch|re|dp)_[A-Za-z0-9_]+$/, 'must be a payment intent id ("pi_…"), or a charge, refund or dispute id ("ch_…", "re_…", "dp_…") whose payment is read')
      .describe("A payment intent id, or the charge, refund or dispute id of one"),
  })
  .strict();

/** stripe.recheck-payment: read one payment intent (charge, refunds, disputes, undelivered events) and its order. */
export function recheckPaymentAction(stripe: StripeGateway, getLedger: () => OrdersLedger | undefined) {
  return action({
    id: "recheck-payment",
    title: "Re-check a payment and its order",
    description: "Reads one payment intent from Stripe with its charge, refunds, disputes and undelivered events, and compares it with its order.",
    input: RecheckPaymentInputSchema,
    risk: "low",
    timeout: "30s",
    target: (input) => input.paymentIntentId,
    async preview(input) {
      const via = input.paymentIntentId.startsWith("pi_") ? "" : " (the payment it belongs to)";
      return { summary: `Read-only: reads ${input.paymentIntentId}${via} from Stripe and its order from the ledger. Nothing is changed.`, count: 0 };
    },
    async run(input, ctx) {
      // A charge, refund or dispute id (as runbooks and alerts name them) is read as its payment.
      const piId = await stripe.paymentIntentOf(input.paymentIntentId, ctx.signal);
      if (!piId) throw new ActionInputError(`Stripe has no payment intent for ${input.paymentIntentId}`, { paymentIntentId: ["no such object, or it belongs to no payment intent"] });
      if (piId !== input.paymentIntentId) ctx.log(`${input.paymentIntentId} belongs to ${piId}`);
      const pi = await stripe.findPaymentIntent(piId, ctx.signal);
      if (!pi) throw new ActionInputError(`Stripe has no payment intent ${input.paymentIntentId}`, { paymentIntentId: ["no such payment intent"] });
      const charge = pi.latest_charge && typeof pi.latest_charge === "object" ? pi.latest_charge : null;
      const [refunds, disputes, events] = await Promise.all([
        stripe.listRefunds({ paymentIntent: pi.id }, ctx.signal),
        charge?.disputed ? stripe.listDisputes({ paymentIntent: pi.id }, ctx.signal) : Promise.resolve([]),
        stripe.listEvents({ since: pi.created - 60, pendingOnly: true }, ctx.signal),
      ]);
      const undelivered = events.filter((e) => (e.data.object as { id?: string }).id === pi.id || (charge && (e.data.object as { id?: string }).id === charge.id));
      const ledger = getLedger();
      const report = ledger ? await reconcile(stripe, ledger, { paymentIntentId: pi.id }, { now: new Date(), signal: ctx.signal, log: ctx.log }) : null;
      const order = ledger ? ((await ledger.findByPaymentIntent(pi.id, ctx.signal)) ?? (pi.metadata?.order_id ? await ledger.findById(pi.metadata.order_id, ctx.signal) : null)) : null;

      const facts: Record<string, unknown>[] = [
        { item: "payment intent", value: `${pi.id}: ${pi.status}, ${formatAmount(pi.amount_received || pi.amount, pi.currency)}, created ${isoFromSeconds(pi.created)}` },
        { item: "charge", value: charge ? `${charge.id}: ${charge.status}${charge.failure_message ? ` (${charge.failure_message})` : ""}, refunded ${formatAmount(charge.amount_refunded, charge.currency)}` : "none" },
        { item: "refunds", value: refunds.length ? refunds.map((r) => `${r.id} ${formatAmount(r.amount, r.currency)} ${r.status}`).join("; ") : "none" },
        { item: "disputes", value: disputes.length ? disputes.map((d) => `${d.id} ${d.status} (${d.reason})`).join("; ") : "none" },
        { item: "undelivered events", value: undelivered.length ? undelivered.map((e) => `${e.id} ${e.type} (pending ${e.pending_webhooks})`).join("; ") : "none" },
        { item: "order", value: !ledger ? "no orders ledger configured" : order ? `${order.id}: "${order.status}", ${formatAmount(order.amount ?? null, order.currency ?? pi.currency)}` : `none${pi.metadata?.order_id ? ` (payment names ${pi.metadata.order_id})` : ""}` },
      ];
      const verdict = report ? (report.rows.length ? report.rows.map((r) => `${r.severity}: ${r.problem} (${r.detail})`).join("; ") : "payment and order agree") : "order not checked";
      for (const f of facts) ctx.log(`${f.item}: ${f.value}`);
      return {
        summary: `${pi.id} ${pi.status}; ${verdict}`,
        rows: [...facts, ...(report?.rows ?? []).map((r) => ({ item: `mismatch: ${r.problem}`, value: r.detail, fixes: r.fixes }))],
        links: [{ label: `Payment ${pi.id} in Stripe`, href: stripe.dashboardLink(`payments/${pi.id}`) }],
        data: { status: pi.status, order: order?.id ?? null, mismatches: report?.rows ?? [], summary: report ? reportSummary(report) : null },
      };
    },
  });
}
