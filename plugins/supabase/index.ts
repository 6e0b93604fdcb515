import { definePlugin } from "../plugin-api";
import { SupabaseConfigSchema } from "./config";

export default definePlugin({
  id: "supabase",
  title: "Supabase / Postgres",
  description: "Order health queries (stuck orders, failed invoices, coupon reservation leaks) and the orders ledger.",
  config: SupabaseConfigSchema,
  provides: ["orders"],
  setup() {
    return { probes: [], actions: [] };
  },
});
