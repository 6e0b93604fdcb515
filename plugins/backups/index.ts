import { definePlugin } from "../plugin-api";
import { BackupsConfigSchema } from "./config";

export default definePlugin({
  id: "backups",
  title: "Backups",
  description: "Backup freshness, retention and guarded restore.",
  config: BackupsConfigSchema,
  setup() {
    return { probes: [], actions: [] };
  },
});
