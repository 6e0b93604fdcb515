import { definePlugin } from "../plugin-api";
import { StripeConfigSchema } from "./config";

export default definePlugin({
  id: "stripe",
  title: "Stripe",
  description: "Payments, webhooks, disputes and reconciliation against the orders ledger.",
  config: StripeConfigSchema,
  uses: ["orders"],
  setup() {
    return { probes: [], actions: [] };
  },
});
