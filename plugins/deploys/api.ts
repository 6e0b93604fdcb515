// The deploys plugin's public contract: the services it offers other plugins and the core, with
// their shapes. No side effects and no SDKs: consumers import it as a contract only.
import { createServiceRef } from "../plugin-api";

/** One deployment of a deploy site, in the same words whatever the provider. */
export interface DeploymentInfo {
  id: string;
  site: string;
  provider: "vercel" | "netlify" | "render" | "railway";
  /** ready: live or was live; superseded: was live, replaced since; failed/canceled: never reached ready. */
  state: "ready" | "superseded" | "building" | "queued" | "failed" | "canceled";
  /** Serving production traffic now. */
  current: boolean;
  production: boolean;
  commit: string | null;
  commitMessage: string | null;
  author: string | null;
  createdAt: number;
  /** The provider's own state word ("READY", "live", "SUCCESS"…). */
  providerState: string;
  url?: string | null;
  errorMessage?: string | null;
}

/** One environment variable of a deploy site as its platform returns it. The value is for a check to read and drop. */
export interface SiteEnvVar {
  name: string;
  /** null when the platform never returns it (Vercel's sensitive type, Netlify secrets). */
  value: string | null;
  /** When the platform says the variable last changed (Vercel, Netlify); null when it does not say. */
  updatedAt: number | null;
  /** Why the value could not be read, in the operator's words. */
  unreadable?: string;
}

export interface SiteEnvironment {
  vars: SiteEnvVar[];
  /** The platform's settings page for the site's variables. */
  settingsUrl: string;
}

/** The deploys plugin's service: what changed, for the sentry plugin and incident pages. */
export interface DeploysService {
  sites(): string[];
  /** The deployment serving production on a site now; null when the provider shows none. */
  current(site: string, signal?: AbortSignal): Promise<DeploymentInfo | null>;
  /** Production deployments created in [from, to), every site, newest first (a site that fails is left out; when every site fails, the first error is thrown). */
  inWindow(range: { from: Date; to: Date }, signal?: AbortSignal): Promise<DeploymentInfo[]>;
  /**
   * The site's environment variables for one environment (default production), read with the
   * site's token through the platform's env API. Values must not be shown, logged or stored.
   */
  envVars?(site: string, opts?: { environment?: string; signal?: AbortSignal }): Promise<SiteEnvironment>;
  /**
   * The addresses a site serves production at, as its provider lists them (`https://host`, the
   * provider's own domain first, then custom domains): what a runbook's `curl https://host/…`
   * may be read at, and where a host-less `/api/health` of that site goes.
   */
  publicUrls?(site: string, signal?: AbortSignal): Promise<string[]>;
  /** Portal id of the rollback action, with its input for one target. */
  rollbackAction(site: string, deploymentId: string): { actionId: string; input: { site: string; deploymentId: string } };
}

export const deploysRef = createServiceRef<DeploysService>({ id: "deploys" });
