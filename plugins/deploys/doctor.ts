import { doctorCheck, type DoctorCheck, type DoctorContext } from "../plugin-api";
import type { DeploysConfig } from "./config";
import { ProviderAuthError, ProviderError } from "./providers/provider";
import { describeDeployment, providerFor } from "./sites";

const PROJECT_KEY = { vercel: "projectId", netlify: "siteId", render: "serviceId", railway: "projectId / serviceId / environmentId" } as const;

/** Each site's project at its provider: the token opens it and its production deployment reads. */
export async function deploysDoctor({ config, signal }: DoctorContext<DeploysConfig>): Promise<DoctorCheck[]> {
  if (!Object.keys(config.sites).length) return [{ name: "sites", ok: false, detail: "plugins.deploys has no sites", fix: "add a site under plugins.deploys.sites.<name> (provider, project id, token), or remove the deploys section" }];
  return Promise.all(
    Object.entries(config.sites).map(([name, site]) =>
      doctorCheck(
        `site ${name}: project`,
        (err) => {
          if (err instanceof ProviderAuthError) return `plugins.deploys.sites.${name}.token is refused by ${site.provider}: create a token that can read this project and set it there`;
          if (err instanceof ProviderError && (err.providerStatus === 404 || err.providerStatus === 403)) return `${site.provider} does not show this project to the token: correct plugins.deploys.sites.${name}.${PROJECT_KEY[site.provider]}${site.provider === "vercel" ? " (and teamId for a team's project)" : ""}, or use a token of its team`;
          return `make ${site.apiBase ?? `the ${site.provider} API`} reachable from the portal, or correct plugins.deploys.sites.${name}.apiBase`;
        },
        async () => {
          const current = await providerFor(name, site).current(signal);
          return current ? `${site.provider}: production is ${describeDeployment(current, Date.now())}` : `${site.provider}: the project opens; no production deployment yet`;
        },
      ),
    ),
  );
}
