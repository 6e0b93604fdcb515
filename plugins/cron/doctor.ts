import { doctorCheck, type DoctorCheck, type DoctorContext } from "../plugin-api";
import type { CronConfig, CronJob } from "./config";

const TIMEOUT_MS = 10_000;

/**
 * The trigger endpoint answers without running the job: HEAD without the secret (any answer but a
 * missing route or a server error proves it is there), or, where the job names a dry request, its
 * method with the dry query and the secret (which must then be accepted).
 */
async function triggerCheck(name: string, job: CronJob & { endpoint: string }, signal: AbortSignal): Promise<DoctorCheck> {
  const key = `plugins.cron.jobs.${name}`;
  return doctorCheck(
    `${name}: trigger endpoint`,
    (err) => {
      const status = (err as { status?: number }).status;
      if (status === 401 || status === 403) return `the endpoint refuses ${key}.secret: set the secret the app expects (usually \${CRON_SECRET})`;
      if (status === 404) return `no route at ${job.endpoint}: correct ${key}.endpoint`;
      if (status && status >= 500) return `the app's endpoint fails (HTTP ${status}); see its logs${job.dryRun ? `, or check that it honours ${job.dryRun}` : ""}`;
      return `make ${new URL(job.endpoint).host} reachable from the portal, or correct ${key}.endpoint`;
    },
    async () => {
      const dry = Boolean(job.dryRun);
      const url = new URL(job.endpoint);
      if (job.dryRun) for (const [k, v] of new URLSearchParams(job.dryRun)) url.searchParams.set(k, v);
      const method = dry ? job.method : "HEAD";
      if (dry && !job.secret) throw new Error(`${key}.dryRun is set but ${key}.secret is not: a dry request would be refused`);
      const started = performance.now();
      const res = await fetch(url, {
        method,
        redirect: "manual",
        headers: dry ? { authorization: `Bearer ${job.secret}` } : {},
        signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
      });
      await res.body?.cancel().catch(() => {});
      const ms = Math.round(performance.now() - started);
      const fail = (why: string) => Object.assign(new Error(`${method} ${url.origin}${url.pathname}${dry ? `?${job.dryRun}` : ""} answered HTTP ${res.status}${why}`), { status: res.status });
      if (res.status === 404 || res.status >= 500) throw fail("");
      if (dry && !res.ok) throw fail(res.status === 401 || res.status === 403 ? ": the secret is refused" : "");
      return dry ? `dry ${method} answered HTTP ${res.status} with the secret accepted (${ms} ms)` : `HEAD answered HTTP ${res.status} (${ms} ms); the job was not run`;
    },
  );
}

/** Each configured job: its ping token is set (unless it reports through a health document only) and its trigger endpoint answers. */
export async function cronDoctor({ config, signal }: DoctorContext<CronConfig>): Promise<DoctorCheck[]> {
  const jobs = Object.entries(config.jobs);
  if (!jobs.length) return [{ name: "jobs", ok: false, detail: "no job is configured", fix: "add a job under plugins.cron.jobs (schedule, timezone and how it reports: pingToken or healthDocument)" }];
  const checks: DoctorCheck[] = [];
  for (const [name, job] of jobs) {
    const token = job.pingToken ?? config.pingToken;
    if (token) checks.push({ name: `${name}: ping token`, ok: true, detail: job.pingToken ? "set for this job" : "plugins.cron.pingToken applies" });
    else if (job.healthDocument) checks.push({ name: `${name}: ping token`, ok: true, detail: `no ping token: the job reports through ${job.healthDocument.path}` });
    else checks.push({ name: `${name}: ping token`, ok: false, detail: "no ping token is set: every ping of this job is refused (403) and the job reads as never run", fix: `set plugins.cron.jobs.${name}.pingToken or plugins.cron.pingToken, e.g. \${CRON_PING_TOKEN} (at least 8 characters), and send it with the job's pings` });
    if (job.endpoint) checks.push(await triggerCheck(name, { ...job, endpoint: job.endpoint }, signal));
  }
  return checks;
}
