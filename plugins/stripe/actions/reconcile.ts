import { z } from "zod";
import { action, ActionInputError, DurationSchema, parseDuration } from "../../plugin-api";
import type { OrderRecord, OrdersLedger } from "../../orders-api";
import type { ServiceSet } from "../../plugin-api";
import { LIST_CAP, StripeFailure, type PaymentIntent, type StripeEvent, type StripeGateway, type Transfer, type WebhookEndpoint } from "../client.server";
import { formatAmount, isoFromSeconds, nowSeconds } from "../format";

/** The seed runbook's three classes, plus amount mismatches. */
export const MISMATCH_CLASSES = {
  paid_no_order: { severity: "critical", label: "Paid in Stripe, no paid order" },
  order_paid_no_payment: { severity: "high", label: "Order paid, no Stripe payment" },
  amount_mismatch: { severity: "high", label: "Amount differs between Stripe and the order" },
  transfer_order_not_completed: { severity: "medium", label: "Transfer made, order not completed" },
} as const;
export type MismatchClass = keyof typeof MISMATCH_CLASSES;

const PAID = new Set(["paid", "confirmed", "processing", "fulfilled", "shipped", "delivered", "completed"]);
const CLOSED = new Set(["cancelled", "canceled", "refunded"]);
const SEVERITY_ORDER = { critical: 0, high: 1, medium: 2 } as const;
const MAX_WINDOW_MS = parseDuration("31d");

export interface Fix {
  /** Full action id, e.g. "stripe.resend-event" or a ledger plugin's single-order fix. */
  actionId: string;
  label: string;
  input: Record<string, unknown>;
}

export interface MismatchRow {
  class: MismatchClass;
  severity: "critical" | "high" | "medium";
  problem: string;
  order: string;
  orderStatus: string;
  paymentIntent: string;
  transfer: string;
  stripeAmount: string;
  orderAmount: string;
  customer: string;
  detail: string;
  fixes: Fix[];
}

export const ReconcileInputSchema = z
  .object({
    window: DurationSchema.optional().meta({ description: "How far back to compare (default 24h; 30d for a customer email)" }),
    orderId: z.string().trim().min(1).max(200).optional(),
    paymentIntentId: z.string().trim().regex(/^pi_[A-Za-z0-9_]+$/, 'must be a payment intent id ("pi_…")').optional(),
    customerEmail: z.string().trim().toLowerCase().email().optional(),
    ledger: z.string().trim().min(1).max(100).optional().meta({ description: "The plugin whose orders ledger to compare with (firestore, supabase, mongodb…); default the first configured" }),
  })
  .strict()
  .refine((v) => [v.orderId, v.paymentIntentId, v.customerEmail].filter(Boolean).length <= 1, {
    message: "give at most one of order, payment intent or customer email",
    path: ["orderId"],
  })
  .refine((v) => !v.window || parseDuration(v.window) <= MAX_WINDOW_MS, { message: "window may be at most 31d", path: ["window"] });
export type ReconcileInput = z.infer<typeof ReconcileInputSchema>;

export interface ReconcileReport {
  scope: string;
  rows: MismatchRow[];
  checked: { payments: number; orders: number; transfers: number };
  counts: Record<MismatchClass, number>;
}

const chargeOf = (pi: PaymentIntent) => (pi.latest_charge && typeof pi.latest_charge === "object" ? pi.latest_charge : null);
const fullyRefunded = (pi: PaymentIntent) => {
  const c = chargeOf(pi);
  return Boolean(c && c.amount_refunded > 0 && c.amount_refunded >= (c.amount_captured || c.amount));
};
const emailOf = (pi: PaymentIntent) => (pi.receipt_email ?? chargeOf(pi)?.billing_details?.email ?? "").toLowerCase();
const transferOrderId = (t: Transfer) => t.metadata?.order_id || t.transfer_group || "";

/**
 * Compares Stripe's succeeded payments and transfers with the orders ledger, for a window or for
 * one order / payment intent / customer email. Read-only.
 */
export async function reconcile(
  stripe: StripeGateway,
  ledger: OrdersLedger,
  input: ReconcileInput,
  opts: { now: Date; signal?: AbortSignal; log?: (m: string) => void },
): Promise<ReconcileReport> {
  const { signal } = opts;
  const log = opts.log ?? (() => {});
  const nowS = nowSeconds(opts.now);
  const windowMs = parseDuration(input.window ?? (input.customerEmail ? "30d" : "24h"));
  const since = nowS - Math.floor(windowMs / 1000);

  let pis: PaymentIntent[] = [];
  let orders: OrderRecord[] = [];
  let transfers: Transfer[] = [];
  let scope: string;
  const piCache = new Map<string, PaymentIntent | null>();
  const lookupPi = async (id: string) => {
    if (!piCache.has(id)) piCache.set(id, await stripe.findPaymentIntent(id, signal));
    return piCache.get(id) ?? null;
  };

  if (input.paymentIntentId) {
    scope = `payment intent ${input.paymentIntentId}`;
    const pi = await lookupPi(input.paymentIntentId);
    if (pi) pis = [pi];
    const order = (await ledger.findByPaymentIntent(input.paymentIntentId, signal)) ?? (pi?.metadata?.order_id ? await ledger.findById(pi.metadata.order_id, signal) : null);
    if (order) orders = [order];
    if (!pi && !order) throw new ActionInputError(`neither Stripe nor the orders ledger knows ${input.paymentIntentId}`, { paymentIntentId: ["not found in Stripe or the ledger"] });
  } else if (input.orderId) {
    scope = `order ${input.orderId}`;
    const order = await ledger.findById(input.orderId, signal);
    if (order) orders = [order];
    if (order?.paymentIntentId) {
      const pi = await lookupPi(order.paymentIntentId);
      if (pi) pis = [pi];
    } else {
      // No order (or none linked): look for a payment that names this order in its metadata.
      const recent = await stripe.listPaymentIntents({ since: nowS - 30 * 86400 }, signal);
      pis = recent.filter((p) => p.metadata?.order_id === input.orderId);
    }
    if (!order && pis.length === 0) throw new ActionInputError(`neither Stripe nor the orders ledger knows order ${input.orderId}`, { orderId: ["not found in Stripe or the ledger"] });
  } else {
    const all = await stripe.listPaymentIntents({ since, until: nowS + 1 }, signal);
    orders = await ledger.listOrders({ from: new Date(since * 1000), to: new Date((nowS + 1) * 1000) }, signal);
    if (input.customerEmail) {
      scope = `customer ${input.customerEmail}, last ${input.window ?? "30d"}`;
      pis = all.filter((p) => emailOf(p) === input.customerEmail);
      orders = orders.filter((o) => (o.customerEmail ?? "").toLowerCase() === input.customerEmail);
    } else {
      scope = `last ${input.window ?? "24h"}`;
      pis = all;
      transfers = await stripe.listTransfers({ since, until: nowS + 1 }, signal);
    }
    for (const p of pis) piCache.set(p.id, p);
  }
  if (input.paymentIntentId || input.orderId || input.customerEmail) {
    const orderIds = new Set([...orders.map((o) => o.id), ...pis.map((p) => p.metadata?.order_id).filter(Boolean)]);
    const recentTransfers = await stripe.listTransfers({ since: nowS - 90 * 86400 }, signal);
    transfers = recentTransfers.filter((t) => orderIds.has(transferOrderId(t)));
  }
  if (pis.length >= LIST_CAP || transfers.length >= LIST_CAP) scope += `; cut at ${LIST_CAP} objects, narrow the window`;
  log(`comparing ${pis.length} payment intents, ${orders.length} orders and ${transfers.length} transfers (${scope})`);

  // Events and endpoints, only to offer "resend" on payments whose order is missing.
  const succeeded = pis.filter((p) => p.status === "succeeded" && !fullyRefunded(p));
  let events: StripeEvent[] = [];
  let endpoint: WebhookEndpoint | undefined;
  const eventFor = (piId: string) => events.find((e) => (e.data.object as { id?: string }).id === piId);

  const rows: MismatchRow[] = [];
  const orderById = new Map(orders.map((o) => [o.id, o]));
  const orderByPi = new Map(orders.filter((o) => o.paymentIntentId).map((o) => [o.paymentIntentId!, o]));
  const seen = new Set<string>();

  const base = (cls: MismatchClass, order: OrderRecord | null, pi: PaymentIntent | null, detail: string): MismatchRow => ({
    class: cls,
    severity: MISMATCH_CLASSES[cls].severity,
    problem: MISMATCH_CLASSES[cls].label,
    order: order?.id ?? pi?.metadata?.order_id ?? "",
    orderStatus: order?.status ?? "missing",
    paymentIntent: pi?.id ?? order?.paymentIntentId ?? "",
    transfer: "",
    stripeAmount: pi ? formatAmount(pi.amount_received || pi.amount, pi.currency) : "",
    orderAmount: order?.amount != null ? formatAmount(order.amount, order.currency ?? pi?.currency) : "",
    customer: (pi ? emailOf(pi) : "") || order?.customerEmail || "",
    detail,
    fixes: [],
  });
  // The ledger offers every single-order fix; a row keeps the ones that fit its class (an order
  // with no Stripe payment is never "completed" as the fix, for example).
  const UNFIT: Partial<Record<MismatchClass, string[]>> = { order_paid_no_payment: ["completed"], transfer_order_not_completed: ["cancelled", "canceled", "refunded"] };
  const ledgerFixes = (order: OrderRecord, cls?: MismatchClass): Fix[] =>
    (ledger.fixActions ? ledger.fixActions(order) : [])
      .filter((f) => !(cls && typeof f.input.status === "string" && UNFIT[cls]?.includes(f.input.status)))
      .map((f) => ({ ...f, input: { ...f.input } }));

  const pendingPaidNoOrder: { pi: PaymentIntent; order: OrderRecord | null }[] = [];
  for (const pi of succeeded) {
    const order =
      orderByPi.get(pi.id) ??
      (await ledger.findByPaymentIntent(pi.id, signal)) ??
      (pi.metadata?.order_id ? (orderById.get(pi.metadata.order_id) ?? (await ledger.findById(pi.metadata.order_id, signal))) : null);
    if (order) {
      seen.add(order.id);
      orderById.set(order.id, order);
    }
    if (!order || !PAID.has(order.status)) {
      pendingPaidNoOrder.push({ pi, order });
      continue;
    }
    const received = pi.amount_received || pi.amount;
    const currencyDiffers = order.currency && order.currency.toLowerCase() !== pi.currency.toLowerCase();
    if ((order.amount != null && order.amount !== received) || currencyDiffers) {
      const row = base("amount_mismatch", order, pi, `Stripe received ${formatAmount(received, pi.currency)}, the order says ${formatAmount(order.amount ?? null, order.currency ?? pi.currency)}`);
      row.fixes = [{ actionId: "stripe.recheck-payment", label: "Re-check payment and order", input: { paymentIntentId: pi.id } }, ...ledgerFixes(order)];
      rows.push(row);
    }
  }

  if (pendingPaidNoOrder.length) {
    const earliest = Math.min(...pendingPaidNoOrder.map((x) => x.pi.created));
    const [evs, endpoints] = await Promise.all([
      stripe.listEvents({ since: earliest - 60, type: "payment_intent.succeeded" }, signal),
      stripe.listWebhookEndpoints(signal),
    ]);
    events = evs;
    endpoint = endpoints.find((e) => e.status === "enabled" && (e.enabled_events.includes("*") || e.enabled_events.includes("payment_intent.succeeded")));
  }
  for (const { pi, order } of pendingPaidNoOrder) {
    const detail = order
      ? CLOSED.has(order.status)
        ? `payment succeeded ${isoFromSeconds(pi.created)} but order ${order.id} is "${order.status}" and the payment was not refunded`
        : `payment succeeded ${isoFromSeconds(pi.created)} but order ${order.id} is still "${order.status}"`
      : `payment succeeded ${isoFromSeconds(pi.created)} but the ledger has no order${pi.metadata?.order_id ? ` ${pi.metadata.order_id}` : ""}`;
    const row = base("paid_no_order", order, pi, detail);
    const ev = eventFor(pi.id);
    if (ev && endpoint)
      row.fixes.push({ actionId: "stripe.resend-event", label: `Resend ${ev.type}`, input: { eventId: ev.id, endpointId: endpoint.id } });
    row.fixes.push({ actionId: "stripe.recheck-payment", label: "Re-check payment and order", input: { paymentIntentId: pi.id } });
    if (order && CLOSED.has(order.status)) row.fixes.push({ actionId: "stripe.refund", label: "Refund the payment", input: { paymentIntentId: pi.id } });
    // A missing order has no ledger fix to offer: the handler that creates it must run (resend).
    if (order) row.fixes.push(...ledgerFixes(order));
    rows.push(row);
  }

  for (const order of orders) {
    if (seen.has(order.id) || !PAID.has(order.status)) continue;
    if (!order.paymentIntentId) {
      const row = base("order_paid_no_payment", order, null, `order is "${order.status}" but carries no Stripe payment intent`);
      row.fixes = ledgerFixes(order, "order_paid_no_payment");
      rows.push(row);
      continue;
    }
    const pi = await lookupPi(order.paymentIntentId);
    if (!pi || pi.status !== "succeeded" || fullyRefunded(pi)) {
      const why = !pi ? `Stripe has no payment intent ${order.paymentIntentId}` : fullyRefunded(pi) ? `payment ${pi.id} was fully refunded` : `payment ${pi.id} is "${pi.status}"`;
      const row = base("order_paid_no_payment", order, pi, `order is "${order.status}" but ${why}`);
      row.fixes = ledgerFixes(order, "order_paid_no_payment");
      if (pi) row.fixes.unshift({ actionId: "stripe.recheck-payment", label: "Re-check payment and order", input: { paymentIntentId: pi.id } });
      rows.push(row);
    } else if (order.amount != null && order.amount !== (pi.amount_received || pi.amount)) {
      const row = base("amount_mismatch", order, pi, `Stripe received ${formatAmount(pi.amount_received || pi.amount, pi.currency)}, the order says ${formatAmount(order.amount, order.currency ?? pi.currency)}`);
      row.fixes = [{ actionId: "stripe.recheck-payment", label: "Re-check payment and order", input: { paymentIntentId: pi.id } }, ...ledgerFixes(order)];
      rows.push(row);
    }
  }

  for (const t of transfers) {
    const orderId = transferOrderId(t);
    if (!orderId || t.reversed) continue;
    const order = orderById.get(orderId) ?? (await ledger.findById(orderId, signal));
    if (order?.status === "completed") continue;
    const row = base("transfer_order_not_completed", order, null, `transfer ${t.id} of ${formatAmount(t.amount, t.currency)} paid out ${isoFromSeconds(t.created)}, order is ${order ? `"${order.status}"` : "missing"}`);
    row.order = orderId;
    row.transfer = t.id;
    row.stripeAmount = formatAmount(t.amount, t.currency);
    if (order) row.fixes = ledgerFixes({ ...order, transferId: order.transferId ?? t.id }, "transfer_order_not_completed");
    rows.push(row);
  }

  rows.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.order.localeCompare(b.order));
  const counts = Object.fromEntries(Object.keys(MISMATCH_CLASSES).map((k) => [k, rows.filter((r) => r.class === k).length])) as Record<MismatchClass, number>;
  return { scope, rows, counts, checked: { payments: succeeded.length, orders: orders.length, transfers: transfers.length } };
}

export function reportSummary(r: ReconcileReport): string {
  const checked = `${r.checked.payments} payments, ${r.checked.orders} orders, ${r.checked.transfers} transfers checked (${r.scope})`;
  if (r.rows.length === 0) return `No mismatches: ${checked}`;
  const bySeverity = (["critical", "high", "medium"] as const).map((s) => [s, r.rows.filter((x) => x.severity === s).length] as const).filter(([, n]) => n > 0);
  return `${r.rows.length} mismatch${r.rows.length === 1 ? "" : "es"} (${bySeverity.map(([s, n]) => `${n} ${s}`).join(", ")}): ${checked}`;
}

export function requireLedger(ledgers: ServiceSet<OrdersLedger>, pluginId?: string): { pluginId: string; ledger: OrdersLedger } {
  const all = ledgers.all();
  if (!all.length) throw new StripeFailure("no orders ledger is configured: enable the firestore or supabase plugin's orders mapping", { status: 400, code: "no_ledger" });
  const chosen = pluginId === undefined ? all[0]! : all.find((l) => l.pluginId === pluginId);
  if (!chosen) throw new ActionInputError(`no orders ledger from plugin "${pluginId}": the configured ledgers are ${all.map((l) => l.pluginId).join(", ")}`, { ledger: [`one of ${all.map((l) => l.pluginId).join(", ")}`] });
  return { pluginId: chosen.pluginId, ledger: chosen.service };
}

/** stripe.reconcile: read-only comparison of Stripe and the orders ledger (the `ledger` input chooses among several). */
export function reconcileAction(stripe: StripeGateway, ledgers: ServiceSet<OrdersLedger>) {
  return action({
    id: "reconcile",
    title: "Reconcile Stripe with orders",
    description:
      "Compares Stripe's succeeded payments and transfers with the orders ledger for a window, or for one order, payment intent or customer email. Read-only; every mismatch links to the fix that applies.",
    input: ReconcileInputSchema,
    risk: "low",
    timeout: "60s",
    target: (input) => `${input.ledger ? `${input.ledger}:` : ""}${input.orderId ? `order:${input.orderId}` : input.paymentIntentId ?? (input.customerEmail ? `customer:${input.customerEmail}` : `window:${input.window ?? "24h"}`)}`,
    async preview(input) {
      const { pluginId } = requireLedger(ledgers, input.ledger);
      const scope = input.paymentIntentId ?? input.orderId ?? input.customerEmail ?? `the last ${input.window ?? "24h"}`;
      const which = ledgers.all().length > 1 ? ` (${pluginId}'s ledger)` : "";
      return { summary: `Read-only: compares Stripe payments and transfers with the orders ledger${which} for ${scope}. Nothing is changed.`, count: 0 };
    },
    async run(input, ctx) {
      const { pluginId, ledger } = requireLedger(ledgers, input.ledger);
      const report = await reconcile(stripe, ledger, input, { now: new Date(), signal: ctx.signal, log: ctx.log });
      if (ledgers.all().length > 1) report.scope = `${report.scope}, ${pluginId}'s ledger`;
      for (const r of report.rows) ctx.log(`${r.severity}: ${r.problem}: ${r.order || r.paymentIntent} (${r.detail})`);
      return { summary: reportSummary(report), rows: report.rows as unknown as Record<string, unknown>[], data: { counts: report.counts, checked: report.checked, scope: report.scope, ledger: pluginId } };
    },
  });
}
