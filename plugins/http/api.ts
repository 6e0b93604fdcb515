// The http plugin's public contract: the services it offers other plugins and the core, with
// their shapes. No side effects and no SDKs: consumers import it as a contract only.
import { createServiceRef } from "../plugin-api";

/** One GET of a URL the caller has already allowed (runbook health URLs on `runbooks.liveHosts`). */
export interface HttpCheckService {
  check(url: string, signal?: AbortSignal): Promise<{ status?: string; value: number | null; summary: string }>;
  /**
   * Where a runbook's health URL or host-less path is read, by `plugins.http.services`: a URL on
   * one of a service's `hosts` → that service's `url` with the same path; a host-less path
   * (`/api/health`) → the `url` of `service` (the runbook's front matter), else of the default
   * service. `undefined` when no configured service answers for it.
   */
  locate?(target: string, service?: string): string | undefined;
}

export const httpCheckRef = createServiceRef<HttpCheckService>({ id: "http.check" });
