import { z } from "zod";
import { action, ConflictError, InputError, NotFoundError } from "../../plugin-api";
import type { __NAME__Client } from "../client.server";

const RetryInput = z.object({ jobId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a job id such as job_01") });

/**
 * Puts one failed job back on its queue. Risk "high": the job runs again (an e-mail is sent twice
 * if it had half-succeeded), so the preview shows the job and the run refuses one that changed.
 */
export function retryJobAction(client: __NAME__Client) {
  return action({
    id: "retry-job",
    title: "Retry a failed job",
    input: RetryInput,
    risk: "high",
    target: (input) => input.jobId,
    rateLimit: { max: 1, per: "1m" },
    async preview(input, { signal }) {
      const job = await client.job(input.jobId, signal);
      if (!job) throw new InputError({ jobId: [`no job ${input.jobId} at the provider`] });
      if (job.state !== "failed") throw new InputError({ jobId: [`job ${job.id} is ${job.state}, not failed`] });
      return {
        summary: `retry ${job.id} on ${job.queue} (failed ${job.failedAt}: ${job.reason}; ${job.attempts} attempt(s) so far)`,
        count: 1,
        before: { state: job.state, attempts: job.attempts },
        after: { state: "queued", attempts: job.attempts + 1 },
        precondition: `${job.failedAt}/${job.attempts}`,
      };
    },
    async run(input, { signal, log }) {
      const job = await client.job(input.jobId, signal);
      if (!job) throw new NotFoundError(`no job ${input.jobId} at the provider`);
      if (input.precondition && input.precondition !== `${job.failedAt}/${job.attempts}`) throw new ConflictError(`job ${job.id} changed since the preview; preview again`);
      const done = await client.retry(job.id, signal);
      log(`${job.id} is ${done.state}`);
      return { summary: `${job.id} is back on ${job.queue} (${done.state})` };
    },
  });
}
