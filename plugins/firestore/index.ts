import { definePlugin } from "../plugin-api";
import { FirestoreConfigSchema } from "./config";

export default definePlugin({
  id: "firestore",
  title: "Firestore",
  description: "Live queries, ops-health documents, the orders ledger and single-document fixes.",
  config: FirestoreConfigSchema,
  provides: ["orders"],
  setup() {
    return { probes: [], actions: [] };
  },
});
