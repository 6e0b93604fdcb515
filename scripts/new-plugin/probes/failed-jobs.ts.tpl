import { probe } from "../../plugin-api";
import type { __NAME__Client } from "../client.server";
import type { __NAME__Config } from "../config";

/** Failed jobs waiting for a retry, oldest first. Reads only. */
export function failedJobsProbe(client: __NAME__Client, config: __NAME__Config) {
  return probe({
    id: "failed-jobs",
    title: "Failed jobs",
    unit: "jobs",
    every: "1m",
    timeout: config.timeout,
    thresholds: { warn: config.backlog.warn, critical: config.backlog.critical },
    async read({ signal }) {
      const { jobs } = await client.failedJobs(signal);
      const rows = [...jobs].sort((a, b) => a.failedAt.localeCompare(b.failedAt)).map((j) => ({ job: j.id, queue: j.queue, failedAt: j.failedAt, reason: j.reason, attempts: j.attempts }));
      return { value: jobs.length, summary: jobs.length ? `${jobs.length} failed job(s), oldest in ${rows[0]!.queue}` : "no failed jobs", rows };
    },
  });
}
