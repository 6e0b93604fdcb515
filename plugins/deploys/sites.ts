import type { DeploymentInfo } from "./api";
import type { SiteConfig } from "./config";
import { netlifyProvider } from "./providers/netlify";
import type { DeployProvider } from "./providers/provider";
import { railwayProvider } from "./providers/railway";
import { renderProvider } from "./providers/render";
import { vercelProvider } from "./providers/vercel";

export function providerFor(site: string, cfg: SiteConfig): DeployProvider {
  switch (cfg.provider) {
    case "vercel":
      return vercelProvider(site, cfg);
    case "netlify":
      return netlifyProvider(site, cfg);
    case "render":
      return renderProvider(site, cfg);
    case "railway":
      return railwayProvider(site, cfg);
  }
}

/** "40 min", "3 h 5 min", "26 h" */
export function age(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return h >= 10 || min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}

export function shortSha(commit: string | null): string {
  return commit ? commit.slice(0, 7) : "no commit";
}

/** "dpl_abc (commit 1a2b3c4 "Fix VAT rounding", 3 h old, READY)" */
export function describeDeployment(d: DeploymentInfo, now: number): string {
  return `${d.id} (commit ${shortSha(d.commit)}${d.commitMessage ? ` "${d.commitMessage}"` : ""}, ${age(now - d.createdAt)} old, ${d.providerState})`;
}

/**
 * "dpl_abc (commit 1a2b3c4 "Fix VAT rounding", created 2026-11-27 06:58 UTC, READY)": the form a
 * preview uses. A preview is compared when a second admin approves, so it names the creation time
 * rather than an age that would change every minute and refuse every approval.
 */
export function describeDeploymentAt(d: DeploymentInfo): string {
  const created = new Date(d.createdAt).toISOString().slice(0, 16).replace("T", " ");
  return `${d.id} (commit ${shortSha(d.commit)}${d.commitMessage ? ` "${d.commitMessage}"` : ""}, created ${created} UTC, ${d.providerState})`;
}
