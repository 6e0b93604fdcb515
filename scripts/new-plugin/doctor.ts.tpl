import { doctorCheck, UpstreamError, type DoctorCheck, type DoctorContext } from "../plugin-api";
import { __NAME__Client } from "./client.server";
import type { __NAME__Config } from "./config";

function fix(err: unknown): string {
  const status = err instanceof UpstreamError ? err.providerStatus : null;
  if (status === 401) return "plugins.__ID__.token is refused: set a current token (e.g. __ENV___TOKEN) that may read jobs";
  if (status === 403) return "give the token of plugins.__ID__.token read access to jobs (and retry, for the retry action)";
  return "make plugins.__ID__.url reachable from the portal, or correct it";
}

/** One real, read-only call with the token: the failed jobs the probe reads. */
export async function __VAR__Doctor({ config, signal, scrubber }: DoctorContext<__NAME__Config>): Promise<DoctorCheck[]> {
  const client = new __NAME__Client(config, scrubber);
  return [await doctorCheck("jobs", fix, async () => `${(await client.failedJobs(signal)).jobs.length} failed job(s) readable at ${new URL(config.url).host}`)];
}
