import { definePlugin } from "../plugin-api";
import { HttpConfigSchema } from "./config";

export default definePlugin({
  id: "http",
  title: "HTTP health",
  description: "Health endpoints: status code, JSON fields and latency.",
  config: HttpConfigSchema,
  setup() {
    return { probes: [], actions: [] };
  },
});
