import { definePlugin } from "../plugin-api";
import { httpCheckProbe } from "./check";
import { HttpConfigSchema, type HttpConfig } from "./config";
import { demoChecks, startHttpSandbox } from "./sandbox";

export default definePlugin<HttpConfig>({
  id: "http",
  title: "HTTP health",
  description: "Health endpoints: status code, JSON fields and latency.",
  config: HttpConfigSchema,
  async demo() {
    const sandbox = await startHttpSandbox();
    return { config: { checks: demoChecks(sandbox.url) }, stop: sandbox.stop };
  },
  setup({ config }) {
    return { probes: Object.entries(config.checks).map(([name, check]) => httpCheckProbe(name, check)), actions: [] };
  },
});
