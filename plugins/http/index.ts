import { definePlugin, provide } from "../plugin-api";
import { httpDoctor } from "./doctor";
import { httpCheckRef, type HttpCheckService } from "./api";
import { httpCheckProbe } from "./check";
import { HttpCheckSchema, HttpConfigSchema, type HttpConfig } from "./config";
import { demoChecks, demoServices, serveHealthOnShop, startHttpSandbox } from "./sandbox";
import { locateTarget } from "./locate";

export default definePlugin<HttpConfig>({
  id: "http",
  title: "HTTP health",
  description: "Health endpoints: status code, JSON fields and latency.",
  config: HttpConfigSchema,
  doctor: httpDoctor,
  async demo({ world }) {
    const sandbox = await startHttpSandbox();
    if (!world) return { config: { checks: demoChecks(sandbox.url) }, stop: sandbox.stop };
    serveHealthOnShop(world, sandbox.routes);
    return { config: { checks: demoChecks(sandbox.url), services: demoServices(world.shopUrl), defaultService: "shop" }, stop: sandbox.stop };
  },
  provides: [httpCheckRef],
  setup({ config }) {
    // `http.check`: one GET of a URL the caller has already allowed (runbook health URLs on
    // `runbooks.liveHosts`), read the way a configured check reads it.
    const adhoc: HttpCheckService = {
      async check(url: string, signal?: AbortSignal) {
        const probe = httpCheckProbe("adhoc", HttpCheckSchema.parse({ url }));
        return probe.read({ signal: signal ?? AbortSignal.timeout(10_000), log: { debug() {}, info() {}, warn() {}, error() {} }, now: () => new Date() });
      },
      locate: (target, service) => locateTarget(config, target, service),
    };
    return { probes: Object.entries(config.checks).map(([name, check]) => httpCheckProbe(name, check)), actions: [], provides: provide(httpCheckRef, adhoc) };
  },
});
