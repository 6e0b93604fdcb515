import { afterEach, describe, expect, it } from "vitest";
import { ConflictError, InputError } from "../../plugin-api";
import { __VAR__Fixture } from "../test-helpers";
import { retryJobAction } from "./retry-job";

const actor = { username: "ada", roles: ["responder"] };
const runCtx = () => ({ runId: "run_1", actor, idempotencyKey: "k1", signal: AbortSignal.timeout(5000), log: () => {}, progress: () => {} });

describe("__ID__.retry-job", () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(() => stop?.());

  it("declares its risk, previews the job and retries it once", async () => {
    const fx = await __VAR__Fixture();
    stop = fx.sandbox.stop;
    const retry = retryJobAction(fx.client);
    expect(retry.risk).toBe("high");
    const job = fx.sandbox.jobs.get("job_02")!;
    const preview = await retry.preview!({ jobId: job.id }, { signal: AbortSignal.timeout(5000), actor });
    expect(preview.count).toBe(1);
    expect(preview.summary).toContain(job.queue);
    const result = await retry.run({ jobId: job.id, precondition: preview.precondition }, runCtx());
    expect(result.summary).toContain("queued");
    expect(fx.sandbox.jobs.get("job_02")!.state).toBe("queued");
  });

  it("refuses an unknown or finished job in the preview, naming the field", async () => {
    const fx = await __VAR__Fixture();
    stop = fx.sandbox.stop;
    const retry = retryJobAction(fx.client);
    const ctx = { signal: AbortSignal.timeout(5000), actor };
    await expect(retry.preview!({ jobId: "job_99" }, ctx)).rejects.toBeInstanceOf(InputError);
    const done = await retry.preview!({ jobId: "job_04" }, ctx).catch((e: InputError) => e);
    expect((done as InputError).fieldErrors.jobId?.[0]).toMatch(/done, not failed/);
    expect(retry.input.safeParse({ jobId: "../etc" }).success).toBe(false);
  });

  it("refuses a job that changed since the preview", async () => {
    const fx = await __VAR__Fixture();
    stop = fx.sandbox.stop;
    const retry = retryJobAction(fx.client);
    const preview = await retry.preview!({ jobId: "job_01" }, { signal: AbortSignal.timeout(5000), actor });
    fx.sandbox.jobs.get("job_01")!.attempts++;
    await expect(retry.run({ jobId: "job_01", precondition: preview.precondition }, runCtx())).rejects.toBeInstanceOf(ConflictError);
    expect(fx.sandbox.jobs.get("job_01")!.state).toBe("failed");
  });
});
