import { definePlugin, type OrdersLedger } from "../plugin-api";
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

export default definePlugin<StripeConfig>({
  id: "stripe",
  title: "Stripe",
  description: "Payments, webhooks, disputes and reconciliation against the orders ledger.",
  config: StripeConfigSchema,
  uses: ["orders"],
  async demo({ log }) {
    const sandbox = await startStripeSandbox();
    log.info({ url: sandbox.url }, "stripe sandbox started (seeded: stuck paid orders, pending webhooks, a disabled endpoint, failed payments, an open dispute, an early transfer, a refund spike)");
    return {
      config: { secretKey: sandbox.secretKey, apiBase: sandbox.url, endpointSecrets: sandbox.endpointSecrets, account: "demo sandbox" },
      stop: () => sandbox.stop(),
    };
  },
  setup({ config, services }) {
    const stripe = new StripeGateway(config);
    const ledger = () => services.get<OrdersLedger>("orders");
    return {
      probes: [webhookEndpoints(stripe), webhookBacklog(stripe), paymentFailureRate(stripe), openDisputes(stripe), refundVolume(stripe)],
      actions: [reconcileAction(stripe, ledger), resendEventAction(stripe), refundAction(stripe, ledger), recheckPaymentAction(stripe, ledger)],
    };
  },
});
