import { z } from "zod";
import { action, ActionInputError, ConflictError } from "../../plugin-api";
import type { OrdersLedger } from "../../orders-api";
import type { Charge, PaymentIntent, StripeGateway } from "../client.server";
import { formatAmount } from "../format";

export const RefundInputSchema = z
  .object({
    paymentIntentId: z.string().trim().regex(/^pi_[A-Za-z0-9_]+$/, 'must be a payment intent id ("pi_…")'),
    /** In the smallest currency unit (cents); omitted = everything still refundable. */
    amount: z.coerce.number().int("must be a whole number of cents").positive("must be more than 0").optional(),
    reason: z.enum(["duplicate", "fraudulent", "requested_by_customer"]).optional(),
  })
  .strict();
type RefundInput = z.infer<typeof RefundInputSchema>;

const OPEN_DISPUTE = new Set(["warning_needs_response", "warning_under_review", "needs_response", "under_review"]);

interface Refundable {
  pi: PaymentIntent;
  charge: Charge;
  refundable: number;
  amount: number;
}

/** What can still be refunded on a payment intent; rejects (as a 400) what Stripe would refuse. */
async function checkRefundable(stripe: StripeGateway, input: RefundInput, signal: AbortSignal): Promise<Refundable> {
  const pi = await stripe.findPaymentIntent(input.paymentIntentId, signal);
  if (!pi) throw new ActionInputError(`Stripe has no payment intent ${input.paymentIntentId}`, { paymentIntentId: ["no such payment intent"] });
  const charge = pi.latest_charge && typeof pi.latest_charge === "object" ? pi.latest_charge : null;
  if (pi.status !== "succeeded" || !charge || charge.status !== "succeeded")
    throw new ActionInputError(`${pi.id} has no successful charge to refund (status "${pi.status}")`, { paymentIntentId: [`payment is "${pi.status}"`] });
  const refundable = (charge.amount_captured || charge.amount) - charge.amount_refunded;
  if (refundable <= 0) throw new ActionInputError(`${pi.id} is already fully refunded`, { amount: ["nothing left to refund"] });
  const amount = input.amount ?? refundable;
  if (amount > refundable)
    throw new ActionInputError(`amount ${formatAmount(amount, pi.currency)} exceeds what is refundable on ${pi.id}: ${formatAmount(refundable, pi.currency)}`, {
      amount: [`at most ${refundable} (${formatAmount(refundable, pi.currency)}) can be refunded`],
    });
  if (charge.disputed) {
    const disputes = await stripe.listDisputes({ paymentIntent: pi.id }, signal);
    const open = disputes.find((d) => OPEN_DISPUTE.has(d.status) && !d.is_charge_refundable);
    if (open)
      throw new ActionInputError(`${pi.id} has an open dispute (${open.id}, ${open.status}); answer the dispute instead of refunding`, { paymentIntentId: ["payment is disputed"] });
  }
  return { pi, charge, refundable, amount };
}

/** stripe.refund: full or partial refund of one payment intent. Critical: needs a second admin. */
export function refundAction(stripe: StripeGateway, getLedger: () => OrdersLedger | undefined) {
  const orderFor = async (pi: PaymentIntent, signal: AbortSignal) => {
    const ledger = getLedger();
    if (!ledger) return null;
    return (await ledger.findByPaymentIntent(pi.id, signal)) ?? (pi.metadata?.order_id ? await ledger.findById(pi.metadata.order_id, signal) : null);
  };

  return action({
    id: "refund",
    title: "Refund a payment",
    description: "Refunds a payment intent in full or in part. The amount is checked against what is still refundable.",
    input: RefundInputSchema,
    risk: "critical",
    timeout: "30s",
    target: (input) => input.paymentIntentId,
    rateLimit: { max: 1, per: "10m" },
    async preview(input, { signal }) {
      const { pi, charge, refundable, amount } = await checkRefundable(stripe, input, signal);
      const order = await orderFor(pi, signal);
      const orderText = order ? `order ${order.id} ("${order.status}")` : pi.metadata?.order_id ? `order ${pi.metadata.order_id} (not in the ledger)` : "no linked order";
      return {
        summary: `Refund ${formatAmount(amount, pi.currency)}${amount < refundable ? ` of ${formatAmount(refundable, pi.currency)} refundable` : " (everything still refundable)"} on ${pi.id} to ${pi.receipt_email ?? "the customer"}; ${orderText}.`,
        count: 1,
        before: { paymentIntent: pi.id, charge: charge.id, amount: charge.amount, amountRefunded: charge.amount_refunded, currency: pi.currency, order: order?.id ?? pi.metadata?.order_id ?? null, orderStatus: order?.status ?? null },
        after: { amountRefunded: charge.amount_refunded + amount, fullyRefunded: amount === refundable },
        precondition: String(charge.amount_refunded),
      };
    },
    async run(input, ctx) {
      let checked: Refundable;
      try {
        checked = await checkRefundable(stripe, input, ctx.signal);
      } catch (err) {
        // A repeated run with the same key after the first one refunded everything: report that refund.
        const mine = (await stripe.listRefunds({ paymentIntent: input.paymentIntentId }, ctx.signal)).find((r) => r.metadata?.opsdeck_idempotency_key === ctx.idempotencyKey);
        if (mine) return { summary: `Already refunded ${formatAmount(mine.amount, mine.currency)} on ${input.paymentIntentId} (${mine.id}) with this request`, data: { refundId: mine.id, amount: mine.amount, replayed: true } };
        throw err;
      }
      const { pi, amount } = checked;
      if (input.precondition !== undefined && input.precondition !== String(checked.charge.amount_refunded))
        throw new ConflictError(`${pi.id} changed since the preview (refunded amount was ${input.precondition}, now ${checked.charge.amount_refunded}); preview again`);
      ctx.log(`refunding ${formatAmount(amount, pi.currency)} on ${pi.id} (idempotency key ${ctx.idempotencyKey})`);
      const refund = await stripe.createRefund(
        { paymentIntent: pi.id, amount, reason: input.reason, metadata: { opsdeck_idempotency_key: ctx.idempotencyKey, opsdeck_actor: ctx.actor.username } },
        ctx.idempotencyKey,
        ctx.signal,
      );
      ctx.log(`refund ${refund.id} ${refund.status}`);
      return {
        summary: `Refunded ${formatAmount(refund.amount, refund.currency)} on ${pi.id} (${refund.id}, ${refund.status})`,
        links: [{ label: `Payment ${pi.id} in Stripe`, href: stripe.dashboardLink(`payments/${pi.id}`) }],
        data: { refundId: refund.id, amount: refund.amount, currency: refund.currency, status: refund.status },
      };
    },
  });
}
