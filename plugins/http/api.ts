// The http plugin's public contract: the services it offers other plugins and the core, with
// their shapes. No side effects and no SDKs: consumers import it as a contract only.
import { createServiceRef } from "../plugin-api";

/** One GET of a URL the caller has already allowed (runbook health URLs on `runbooks.liveHosts`). */
export interface HttpCheckService {
  check(url: string, signal?: AbortSignal): Promise<{ status?: string; value: number | null; summary: string }>;
}

export const httpCheckRef = createServiceRef<HttpCheckService>({ id: "http.check" });
