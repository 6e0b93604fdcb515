import { definePlugin } from "../plugin-api";
import { CronConfigSchema } from "./config";

export default definePlugin({
  id: "cron",
  title: "Cron jobs",
  description: "Scheduled jobs: late, down, too fast, too often, failing; guarded run-now.",
  config: CronConfigSchema,
  setup() {
    return { probes: [], actions: [] };
  },
});
