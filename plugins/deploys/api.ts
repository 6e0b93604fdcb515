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

/** The deploys plugin's service: what changed, for the sentry plugin and incident pages. */
export interface DeploysService {
  sites(): string[];
  /** The deployment serving production on a site now; null when the provider shows none. */
  current(site: string, signal?: AbortSignal): Promise<DeploymentInfo | null>;
  /** Production deployments created in [from, to), every site, newest first (a site that fails is left out; when every site fails, the first error is thrown). */
  inWindow(range: { from: Date; to: Date }, signal?: AbortSignal): Promise<DeploymentInfo[]>;
  /** Portal id of the rollback action, with its input for one target. */
  rollbackAction(site: string, deploymentId: string): { actionId: string; input: { site: string; deploymentId: string } };
}

export const deploysRef = createServiceRef<DeploysService>({ id: "deploys" });
