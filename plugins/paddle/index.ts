import { definePlugin } from "../plugin-api";
import { PaddleConfigSchema } from "./config";

export default definePlugin({
  id: "paddle",
  title: "Paddle",
  description: "Paddle Billing subscriptions, transactions and webhook delivery.",
  config: PaddleConfigSchema,
  setup() {
    return { probes: [], actions: [] };
  },
});
