import { definePlugin } from "../plugin-api";
import { stripeDoctor } from "./doctor";
import { ordersRef } from "../orders-api";
import { recheckPaymentAction } from "./actions/recheck-payment";
import { reconcileAction } from "./actions/reconcile";
import { refundAction } from "./actions/refund";
import { resendEventAction } from "./actions/resend-event";
import { StripeGateway } from "./client.server";
import { StripeConfigSchema, type StripeConfig } from "./config";
import { openDisputes } from "./probes/open-disputes";
import { paymentFailureRate } from "./probes/payment-failure-rate";
import { refundVolume } from "./probes/refund-volume";
import { webhookBacklog } from "./probes/webhook-backlog";
import { webhookEndpoints } from "./probes/webhook-endpoints";
import { startStripeSandbox } from "./sandbox";

/** Demo mode: Stripe's retry schedule (about 3 days) compressed to seconds. */
const DEMO_RETRY_DELAYS_MS = [3_000, 6_000, 10_000];

/** Reconciliation compares with an orders ledger (any of several plugins'); without one it says so. */
const deps = { ledgers: ordersRef.optional() };

export default definePlugin<StripeConfig, typeof deps>({
  id: "stripe",
  title: "Stripe",
  description: "Payments, webhooks, disputes and reconciliation against the orders ledger.",
  config: StripeConfigSchema,
  doctor: stripeDoctor,
  deps,
  async demo({ log, world }) {
    // The shop's webhook receiver (a demo world module) is where the enabled endpoint points.
    const shop = world?.get<{ webhookUrl: string }>("shop.stripe");
    // The shop's story and its printable test key come from the world (no world: an empty sandbox).
    const sandbox = await startStripeSandbox({
      secretKey: world?.catalog.stripeKey,
      catalog: world?.catalog,
      shopWebhookUrl: shop?.webhookUrl,
      delivery: shop ? { retryDelaysMs: DEMO_RETRY_DELAYS_MS, redeliverBacklogWithinMs: 8_000 } : undefined,
    });
    if (world) {
      world.provide("stripe.sandbox", { url: sandbox.url, secretKey: sandbox.secretKey, endpoints: sandbox.endpoints });
      world.get<{ add(entry: object): void }>("sandboxes")?.add({
        id: "stripe",
        title: "Stripe API sandbox",
        baseUrl: sandbox.url,
        credentials: [{ label: "Secret key", value: sandbox.secretKey }],
        examples: [
          `curl ${sandbox.url}/v1/events?delivery_success=false -u ${sandbox.secretKey}:`,
          `curl ${sandbox.url}/v1/payment_intents/pi_demo_wx1035 -u ${sandbox.secretKey}:`,
          `curl ${sandbox.url}/v1/refunds -u ${sandbox.secretKey}: -H 'Idempotency-Key: try-1' -d payment_intent=pi_demo_wx1044 -d amount=500`,
        ],
        notes: `Failed webhook deliveries are retried after ${DEMO_RETRY_DELAYS_MS.map((ms) => `${ms / 1000}s`).join(", ")}, then every ${DEMO_RETRY_DELAYS_MS.at(-1)! / 1000}s (Stripe's 3-day schedule, compressed).`,
      });
    }
    log.info({ url: sandbox.url }, "stripe sandbox started (seeded: stuck paid orders, pending webhooks, a disabled endpoint, failed payments, an open dispute, an early transfer, a refund spike)");
    return {
      config: { secretKey: sandbox.secretKey, apiBase: sandbox.url, endpointSecrets: sandbox.endpointSecrets, account: "demo sandbox" },
      stop: () => sandbox.stop(),
    };
  },
  setup({ config, deps: { ledgers }, scrubber }) {
    const stripe = new StripeGateway(config, scrubber);
    const ledger = () => ledgers.get();
    return {
      probes: [webhookEndpoints(stripe), webhookBacklog(stripe), paymentFailureRate(stripe), openDisputes(stripe), refundVolume(stripe)],
      actions: [reconcileAction(stripe, ledgers), resendEventAction(stripe), refundAction(stripe, ledger), recheckPaymentAction(stripe, ledger)],
    };
  },
});
