// appenv bench: one check of 4 services × 60 variables (Vercel, Render, Railway, Netlify) against the
// deploys sandbox, and the same check's cost beside the bare env-API fetches it makes.
import crypto from "node:crypto";
import { deploysService } from "../plugins/deploys/index";
import type { SiteConfig } from "../plugins/deploys/config";
import { shopDeployments, startDeploysSandbox, type SandboxEnvVar } from "../plugins/deploys/sandbox";
import { providerFor } from "../plugins/deploys/sites";
import { checkedServices, checkServices, FingerprintHistory, localFingerprints } from "../plugins/appenv/check";
import { AppenvConfigSchema } from "../plugins/appenv/config";
import { sourceFor } from "../plugins/appenv/sources";

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

export async function run(): Promise<Record<string, number>> {
  const now = Date.now();
  const vars = (svc: string): SandboxEnvVar[] =>
    Array.from({ length: 60 }, (_, i) => ({ key: i === 0 ? "MONGO_URI" : `${svc.toUpperCase()}_VAR_${i}`, value: i === 0 ? "mongodb+srv://u:p@h/db" : `v_${svc}_${i}_${crypto.randomBytes(8).toString("hex")}`, updatedAt: now - 3_600_000 }));
  const sandbox = await startDeploysSandbox({
    sites: [
      { name: "a", provider: "vercel", key: "prj_a", deployments: shopDeployments("vercel", now), currentId: "dpl_shop4xxxx", env: vars("a") },
      { name: "b", provider: "render", key: "srv-b", deployments: shopDeployments("render", now), currentId: "dep-shop4", env: vars("b") },
      { name: "c", provider: "railway", key: "svc-c", deployments: shopDeployments("railway", now), currentId: "a1b2c3d4-0004-shop", env: vars("c") },
      { name: "d", provider: "netlify", key: "site-d", deployments: shopDeployments("netlify", now), currentId: "6566shop4", env: vars("d") },
    ],
  });
  try {
    const common = { token: sandbox.token, apiBase: sandbox.url, recent: 10 };
    const sites: Record<string, SiteConfig> = {
      a: { provider: "vercel", projectId: "prj_a", ...common },
      b: { provider: "render", serviceId: "srv-b", ...common },
      c: { provider: "railway", tokenKind: "account", projectId: "p", serviceId: "svc-c", environmentId: "e", ...common },
      d: { provider: "netlify", siteId: "site-d", ...common },
    };
    const deploys = deploysService(new Map(Object.entries(sites).map(([n, s]) => [n, providerFor(n, s)])), sites);
    // Every variable carries rules: the mongodb preset on one, hygiene and a pattern on the rest, sameAs across services on one.
    const rules = (svc: string) =>
      Object.fromEntries(
        Array.from({ length: 59 }, (_, i) => [`${svc.toUpperCase()}_VAR_${i + 1}`, { required: true, pattern: "^v_", noSurroundingWhitespace: true, noPlaceholder: true, noQuotes: true, notContains: ["test", "sandbox"], redeployAfterChange: true }]),
      );
    const config = AppenvConfigSchema.parse({
      services: Object.fromEntries(["a", "b", "c", "d"].map((s) => [s, { source: { site: s }, presets: ["mongodb"], rules: { ...rules(s), ...(s !== "a" ? { MONGO_URI: { sameAs: "a.MONGO_URI" } } : {}) } }])),
    });
    // The fetches a check makes are timed inside that check: the overhead is what the check adds to
    // its own fetches. Timing the fetches in a second, separate run compared two draws of ~74 HTTP
    // calls (61 of them Vercel's decrypts), whose spread on a loaded machine is hundreds of ms.
    let fetchMs = 0;
    const services = checkedServices(config.services, (n, c) => {
      const read = sourceFor(n, c, deploys);
      return async (signal) => {
        const t = performance.now();
        const r = await read(signal);
        fetchMs = Math.max(fetchMs, performance.now() - t);
        return r;
      };
    });
    const fingerprints = localFingerprints(null);
    const history = new FingerprintHistory(null);
    const check = () => checkServices(services, { fingerprints, history, now: Date.now, signal: new AbortController().signal });
    const bare = () => Promise.all(Object.keys(sites).map((s) => Promise.all([deploys.envVars!(s), deploys.current(s)])));

    for (let i = 0; i < 5; i++) await check();
    const full: number[] = [];
    const overhead: number[] = [];
    const bareRuns: number[] = [];
    for (let i = 0; i < 40; i++) {
      // Alternate which goes first so warm connections and GC favour neither.
      const timed = async <T>(fn: () => Promise<T>) => {
        const t = performance.now();
        const value = await fn();
        return { ms: performance.now() - t, value };
      };
      fetchMs = 0;
      const first = i % 2 === 0 ? await timed(check) : await timed(bare);
      const second = i % 2 === 0 ? await timed(bare) : await timed(check);
      const [c, b] = i % 2 === 0 ? [first, second] : [second, first];
      const r = c.value as Awaited<ReturnType<typeof check>>;
      if (r.services.some((s) => s.error || s.problems)) throw new Error(`bench check found problems: ${JSON.stringify(r.services.map((s) => [s.service, s.error, s.problems]))}`);
      full.push(c.ms);
      bareRuns.push(b.ms);
      overhead.push(Math.max(0, c.ms - fetchMs));
    }
    const r1 = (x: number) => Math.round(x * 10) / 10;
    return { appenv_check_ms_p95: r1(p95(full)), appenv_check_overhead_ms_p95: r1(p95(overhead)), appenv_bare_fetch_ms_p95: r1(p95(bareRuns)) };
  } finally {
    await sandbox.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(JSON.stringify(r)));
