import path from "node:path";
import { z } from "zod";
import { deploysRef } from "../deploys/api";
import { action, definePlugin, parseDuration, provide } from "../plugin-api";
import { appenvRef, type AppenvService } from "./api";
import { checkedServices, checkServices, FingerprintHistory, localFingerprints, type CheckResult } from "./check";
import { AppenvConfigSchema, type AppenvConfig } from "./config";
import { demoAppenvConfig } from "./demo";
import { consistencyProbe, serviceProbe } from "./probes";
import { sourceFor } from "./sources";

const deps = { deploys: deploysRef.optional() };
/** Other plugins' probes that read through appenvRef. */
const READERS = ["paddle.config-safety"];

export default definePlugin<AppenvConfig, typeof deps>({
  id: "appenv",
  title: "App environment",
  description: "The deployed services' environment variables checked against the runbooks' rules (required, production-only values, typos, whitespace, placeholders, equal across services, rotated but not redeployed); a value is read, checked and dropped, never shown or kept.",
  config: AppenvConfigSchema,
  deps,
  provides: [appenvRef],
  async demo({ world }) {
    return { config: await demoAppenvConfig(world), stop: async () => {} };
  },
  setup({ config, deps, dataDir, fingerprints, scrubber }) {
    const services = checkedServices(config.services, (name, cfg) => sourceFor(name, cfg, deps.deploys));
    const history = new FingerprintHistory(path.join(dataDir, "fingerprints.json"));
    const fp = fingerprints ?? localFingerprints(dataDir);
    const everyMs = parseDuration(config.every);
    const timeoutMs = parseDuration(config.timeout);
    let last: CheckResult | null = null;
    let running: Promise<CheckResult> | null = null;

    // One check serves every appenv probe: the first probe to find the result stale starts it, the others wait for it.
    const check = (): Promise<CheckResult> =>
      (running ??= checkServices(services, { fingerprints: fp, history, scrubber, now: Date.now, signal: AbortSignal.timeout(timeoutMs) })
        .then((r) => (last = r))
        .finally(() => (running = null)));
    const fresh = async () => (last && Date.now() - last.at < everyMs / 2 ? last : check());
    const probeTimeout = `${Math.ceil(timeoutMs / 1000) + 2}s`;
    const service: AppenvService = {
      async verdicts(names) {
        const r = await fresh();
        return r.services.map((s) => ({ service: s.service, title: s.title, error: s.error, settingsUrl: s.settingsUrl, verdicts: s.verdicts.filter((v) => names(v.name)) }));
      },
      rulesFor(name) {
        return services.map((s) => {
          const rule = s.rules[name] ?? {};
          return { service: s.name, title: s.config.title ?? s.name, rules: (Object.keys(rule) as (keyof typeof rule)[]).filter((k) => rule[k] !== undefined && rule[k] !== false) };
        });
      },
    };

    return {
      probes: [
        ...services.map((s) => serviceProbe(s.name, s.config.title ?? s.name, config.every, probeTimeout, fresh)),
        ...(services.length ? [consistencyProbe(config.every, probeTimeout, fresh)] : []),
      ],
      actions: services.length
        ? [
            action({
              id: "recheck",
              title: "Re-check environment variables",
              description: "Reads every service's variables now and checks them again (after a fix in the platform's dashboard).",
              input: z.object({}).strict(),
              risk: "low",
              rateLimit: { max: 6, per: "1m" },
              async preview() {
                return { summary: `Read and check the variables of ${services.length} service${services.length === 1 ? "" : "s"} now; nothing is changed.` };
              },
              async run(_input, ctx) {
                const r = await check();
                // The probes reading through this check (its own and paddle's config-safety) show the new verdicts when the run ends.
                await ctx.refreshProbes?.([...services.map((s) => `appenv.${s.name}`), "appenv.consistency", ...READERS]);
                const problems = r.services.reduce((n, s) => n + s.problems, 0);
                const failed = r.services.filter((s) => s.error);
                return {
                  summary: `${problems} problem${problems === 1 ? "" : "s"} in ${r.services.length} service${r.services.length === 1 ? "" : "s"}${failed.length ? `; could not read ${failed.map((s) => s.service).join(", ")}` : ""}`,
                  rows: r.services.map((s) => ({ service: s.service, problems: s.problems, error: s.error })),
                };
              },
            }),
          ]
        : [],
      // Only a configured appenv is a source for others; with no services the paddle plugin keeps its dotenv path.
      ...(services.length ? { provides: provide(appenvRef, service) } : {}),
    };
  },
});
