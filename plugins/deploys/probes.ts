import { probe, type ProbeDefinition, type ProbeReading } from "../plugin-api";
import type { DeploymentInfo } from "./api";
import type { SiteConfig } from "./config";
import { ProviderAuthError, everReady, type DeployProvider } from "./providers/provider";
import { age, describeDeployment, shortSha } from "./sites";

/** A provider that cannot be read is `unknown` with its words (a rejected token: "authentication failed"). */
async function guarded(read: () => Promise<ProbeReading>, site: string): Promise<ProbeReading> {
  try {
    return await read();
  } catch (err) {
    const msg = err instanceof ProviderAuthError ? `${site}: ${err.provider} authentication failed; check the site's token` : `${site}: ${err instanceof Error ? err.message : String(err)}`;
    return { value: null, status: "unknown", summary: msg };
  }
}

function row(d: DeploymentInfo, now: number, rollbackable: boolean) {
  return {
    deployment: d.id,
    state: d.providerState,
    current: d.current ? "yes" : "",
    commit: shortSha(d.commit),
    message: d.commitMessage ?? "",
    author: d.author ?? "",
    age: age(now - d.createdAt),
    ...(rollbackable ? { fixes: [{ actionId: "deploys.rollback", label: "Roll back to this", input: { site: d.site, deploymentId: d.id } }] } : {}),
  };
}

export function siteProbes(site: string, cfg: SiteConfig, provider: DeployProvider): ProbeDefinition[] {
  const label = cfg.title ?? site;
  return [
    probe({
      id: `${site}-current`,
      title: `${label}: current production deployment (${provider.name})`,
      unit: "min",
      every: "1m",
      timeout: "10s",
      async read({ now }) {
        return guarded(async () => {
          const d = await provider.current();
          const t = now().getTime();
          if (!d) return { value: null, status: "warn", summary: `${label}: ${provider.name} shows no production deployment` };
          return {
            value: Math.round((t - d.createdAt) / 60_000),
            status: everReady(d) ? "ok" : "critical",
            summary: `${label}: ${describeDeployment(d, t)}${d.author ? ` by ${d.author}` : ""}`,
            rows: [row(d, t, false)],
            links: d.url ? [{ label: "open deployment", href: d.url }] : undefined,
          };
        }, label);
      },
    }),
    probe({
      id: `${site}-recent`,
      title: `${label}: last ${cfg.recent} deployments`,
      unit: "deployments",
      every: "1m",
      timeout: "10s",
      async read({ now }) {
        return guarded(async () => {
          const list = await provider.list(cfg.recent);
          const t = now().getTime();
          const failed = list.filter((d) => d.state === "failed").length;
          return {
            value: list.length,
            summary: `${label}: ${list.length} recent deployments, ${failed} failed; production is ${list.find((d) => d.current)?.id ?? "not among them"}`,
            rows: list.map((d) => row(d, t, everReady(d) && !d.current)),
          };
        }, label);
      },
    }),
    probe({
      id: `${site}-failed-builds`,
      title: `${label}: failed builds in 24 h`,
      unit: "builds",
      every: "5m",
      timeout: "10s",
      thresholds: { warn: "> 0", critical: "> 3" },
      async read({ now }) {
        return guarded(async () => {
          const t = now().getTime();
          const failed = (await provider.list(50)).filter((d) => d.state === "failed" && t - d.createdAt < 24 * 3_600_000);
          return {
            value: failed.length,
            summary: failed.length ? `${label}: ${failed.length} failed build(s) in 24 h, latest ${describeDeployment(failed[0]!, t)}` : `${label}: no failed builds in 24 h`,
            rows: failed.map((d) => ({ ...row(d, t, false), error: d.errorMessage ?? "" })),
          };
        }, label);
      },
    }),
    probe({
      id: `${site}-deployed-recently`,
      title: `${label}: deployed within the last hour`,
      description: "1 while production changed in the last hour: the first suspect in an incident.",
      every: "1m",
      timeout: "10s",
      thresholds: { warn: ">= 1" },
      async read({ now }) {
        return guarded(async () => {
          const d = await provider.current();
          const t = now().getTime();
          const recent = !!d && t - d.createdAt < 3_600_000;
          return {
            value: recent ? 1 : 0,
            summary: recent ? `${label}: deployed ${age(t - d!.createdAt)} ago: ${describeDeployment(d!, t)}` : `${label}: no deploy in the last hour${d ? ` (production is ${age(t - d.createdAt)} old)` : ""}`,
          };
        }, label);
      },
    }),
  ];
}
